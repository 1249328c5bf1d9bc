#!/usr/bin/env python3
"""Reference values of a GGUF model computed with PyTorch/transformers, for ptune's parity tests.

    make-model-reference.py --model FILE.gguf --out REFERENCE.json [--long-prompt-tokens N]

Needs torch, transformers and gguf (a virtual environment outside the repository, as
../shared/bench/peft_baseline.py describes). transformers de-quantizes the GGUF to float32 and runs
the model in float32 on the CPU, with eager attention (sliding windows applied exactly).

Writes the same layout as ../shared/reference/smollm2-135m-q4_1.json:
- forward: for each prompt, its ids (BOS first when the model wants it), the top 10 logits and their
  ids at the last position, the log-sum-exp there, the argmax at every position and the first nine
  logits at position 0. One prompt is longer than the sliding window when the model has one.
- prompt_gradient: a sequence [h0 h1 h2] + embed(x) + [h3 h4 h5] with h drawn from N(0, s^2) (s = the
  embedding table's own std) in the embedding table's space; the model sees each row as it sees a
  token's row (times sqrt(H) for Gemma). loss = cross-entropy over the label ids' logits at the
  last position; the gradient with respect to h.
"""
import argparse, hashlib, json, os, random, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "The capital of France is",
    "Hello, world!",
    "def fibonacci(n):\n    if n < 2:\n        return n\n",
    "Question: What is 17 times 3?\nAnswer:",
    "naïve café — 東京 🚀 tabs\tand  spaces",
]

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--long-prompt-tokens', type=int, default=700)
    a = ap.parse_args()
    torch.manual_seed(0)
    folder, name = os.path.split(os.path.abspath(a.model))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32,
                                                 attn_implementation='eager').eval()
    config = model.config
    window = getattr(config, 'sliding_window', None)
    embed = model.get_input_embeddings()
    scale = float(getattr(embed, 'embed_scale', 1.0))

    rng = random.Random(7)
    words = ("the of and a to in is was for on that with as by at from his an were are which this be "
             "river city north king war music film team school language village family".split())
    long_text = ' '.join(rng.choice(words) for _ in range(a.long_prompt_tokens))
    prompts = PROMPTS + [long_text]

    forward = []
    with torch.no_grad():
        for text in prompts:
            ids = tok(text, add_special_tokens=True).input_ids
            if window and text is long_text:
                assert len(ids) > window, f'the long prompt has {len(ids)} tokens, not more than the window {window}'
            logits = model(torch.tensor([ids])).logits[0].float()
            last = logits[-1]
            top = torch.topk(last, 10)
            forward.append({
                'text': text, 'ids': ids,
                'last_top10_ids': top.indices.tolist(),
                'last_top10_logits': [round(v, 5) for v in top.values.tolist()],
                'last_logsumexp': round(torch.logsumexp(last, 0).item(), 5),
                'all_positions_argmax': logits.argmax(-1).tolist(),
                'first_position_logits_0_8': [round(v, 5) for v in logits[0, :9].tolist()],
            })
            print(f'{len(ids)} tokens: {text[:40]!r}', file=sys.stderr)

    table = embed.weight
    x_ids = tok(" it 's a charming and often affecting journey . It was", add_special_tokens=False).input_ids
    label_ids = [tok(' terrible', add_special_tokens=False).input_ids[0], tok(' great', add_special_tokens=False).input_ids[0]]
    std = table.detach().std().item()
    h = torch.randn(6, table.shape[1], generator=torch.Generator().manual_seed(1234)) * std
    h.requires_grad_(True)
    bos = [tok.bos_token_id] if getattr(tok, 'add_bos_token', False) and tok.bos_token_id is not None else []
    pieces = []
    if bos:
        pieces.append(embed(torch.tensor(bos)))
    pieces += [h[:3] * scale, embed(torch.tensor(x_ids)), h[3:] * scale]
    inputs = torch.cat(pieces, 0).unsqueeze(0)
    logits = model(inputs_embeds=inputs).logits[0, -1]
    restricted = logits[label_ids].unsqueeze(0)
    loss = torch.nn.functional.cross_entropy(restricted, torch.tensor([1]))
    loss.backward()
    gradient = {
        'description': 'Sequence = [BOS if the model adds it] + [h0 h1 h2] + embed(x_ids) + [h3 h4 h5], each h row '
                       'in the embedding table\'s space (the model multiplies it as it multiplies token rows); '
                       'loss = CE(softmax over logits[last][label_ids]) with target index 1.',
        'bos': bos, 'x_ids': x_ids, 'label_ids': label_ids, 'target': 1,
        'h': [[round(v, 7) for v in row] for row in h.detach().tolist()],
        'loss': loss.item(),
        'grad_h': [[v for v in row] for row in h.grad.tolist()],
    }
    with open(a.model, 'rb') as f:
        digest = hashlib.sha256()
        while block := f.read(1 << 20):
            digest.update(block)
    out = {
        'model': {'file': name, 'sha256': digest.hexdigest(), 'architecture': config.model_type},
        'note': f'transformers {__import__("transformers").__version__}, torch {torch.__version__}: GGUF de-quantized '
                'to float32, eager attention; compare with a tolerance (see tolerances)',
        'tolerances': {'logit_abs': 0.02, 'loss_rel': 0.001, 'grad_rel_l2': 0.01},
        'forward': forward,
        'prompt_gradient': gradient,
    }
    with open(a.out, 'w') as f:
        json.dump(out, f, ensure_ascii=False)
        f.write('\n')

if __name__ == '__main__':
    main()
