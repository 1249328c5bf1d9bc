#!/usr/bin/env python3
"""Compares ptune's last-position logits with transformers' (the reference's model load) on a few texts.

    logits-parity.py PTUNE_BINARY GGUF   -> prints max |logit diff| over the top 10 and top-1 agreement
"""
import json, os, subprocess, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ptune, gguf = sys.argv[1], sys.argv[2]
texts = ["it 's a charming and often affecting journey . It was",
         "Barack Obama was born in",
         "The official language of France is"]
torch.set_num_threads(2)
d, f = os.path.split(os.path.abspath(gguf))
tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32).eval()
for t in texts:
    out = json.loads(subprocess.run([ptune, 'logits', '--model', gguf, '--threads', '2', '--top', '10', '--json', t],
                                    capture_output=True, text=True, check=True).stdout)
    ids = tok(t, add_special_tokens=False).input_ids
    with torch.no_grad():
        lg = model(torch.tensor([ids])).logits[0, -1]
    print(json.dumps(dict(text=t, ptune=out, hf_top=[(int(i), round(float(lg[i]), 3)) for i in lg.topk(10).indices])))
