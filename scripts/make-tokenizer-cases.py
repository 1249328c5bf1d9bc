#!/usr/bin/env python3
"""Writes Tests/LMTests/Tokenizer/Fixtures/tokenizer-cases.json.zst: reference encodings made with
Hugging Face `tokenizers` from the SmolLM2 tokenizer.json in shared/reference.

For each text the fixture holds token ids (no BOS) under four pre-tokenizers, all with the SmolLM2
vocabulary and merges:
  gpt2       the file as shipped (ByteLevel with use_regex; what transformers writes from the GGUF);
  smollm     Digits(individual_digits) then ByteLevel (SmolLM2's own tokenizer, which the GGUF's
             tokenizer.ggml.pre = "smollm" names);
  llama-bpe  Split on the Llama-3 pattern then ByteLevel without regex, with ignore_merges;
  qwen2      Split on the Qwen2 pattern then ByteLevel without regex;
and the ids of the tokenizers transformers builds from real GGUF files (--gguf NAME=FILE; needs
`transformers` and `gguf`): `gemma3`, Gemma 3's SentencePiece BPE (`scripts/fetch-gemma3.sh`), and
`qwen2.5`, Qwen2.5-Coder's own byte-level vocabulary and Qwen2 pre-tokenizer (`scripts/fetch-qwen2.sh`);
the text decoded from the gpt2 ids when that differs (the vocabulary has no token for some bytes,
which encoding drops), and, for the hand-written texts and the first 200 random ones, the pieces the
Llama-3 and Qwen2 patterns split the text into. The pieces are cross-checked with Python's `regex`
module, which reads `\\s` as Oniguruma does except for U+001C..U+001F.

Texts: the hand-written FIXED ones, 200 from the first generator, then --count from a generator
biased to the edges of the patterns (whitespace runs of every kind beside digits, letters and
punctuation; CR, LF, tab, NBSP and other Unicode spaces; combining marks; emoji with ZWJ, skin tones
and flags; CJK, Hangul, right-to-left scripts; special tokens inside text; long repeats).

Usage: pip install tokenizers regex transformers gguf
       python3 scripts/make-tokenizer-cases.py [--shared DIR] [--count N] [--seed S] [--out FILE]
The defaults rewrite the committed fixture; `make tokenizer-fuzz` writes fresh cases with a random
seed (printed) to a temporary file and runs the parity tests on them.
"""
import argparse
import json
import random
import subprocess
from pathlib import Path

import regex
from tokenizers import Tokenizer, __version__ as tokenizers_version

ROOT = Path(__file__).resolve().parent.parent
LEGACY_RANDOM = 200
OUTPUT = ROOT / "Tests" / "LMTests" / "Tokenizer" / "Fixtures" / "tokenizer-cases.json.zst"

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

FIXED = [
    "", " ", "  ", "\n", "\n\n", "\r\n", " \n ", "\t", "a", "A", "1", "'", "''", "'s",
    "Hello world", "Hello, world!", "The capital of France is", "the quick brown fox jumps over the lazy dog",
    "don't won't can't I'm you're we've they'll she'd it's", "DON'T WON'T I'M YOU'RE THEY'LL",
    "He said 'sup' and 'twas 'Ll", "rock 'n' roll", "x'ſx", "O'Neil's", "'''s", "'s's",
    "12345 67890 3.14159", "1", "12", "123", "1234", "1234567", " 1", "  1", "   12", "a1b2c3", "1a", "¹²³ ½ Ⅻ ٣٤٥ ४५६",
    "$100.00", "2024-01-15T12:30:00Z", "+1 (555) 123-4567", "0x1F 0b1010 1e-9",
    "naïve café — 東京 🚀 tabs\tand\nnewlines", "  leading spaces and trailing  ", "trailing\n", "trailing \n\n ",
    "a  b   c    d", "a\t\tb", "a \t b", "a\n\n\nb", "a\r\n\r\nb", "a \n b", "a\u00a0b", "a\u00a0\u00a0b", "a\u2003b",
    "a\u200bb", "a\u3000b", "\u0085x", "x\x1cy\x1f\x1fz", "a\x0bb", "a\x0cb", "\x00\x01\x7f",
    "Ελληνικά και ρωσικά: Привет, мир!", "עברית ועוד", "مرحبا بالعالم", "हिन्दी में लिखा", "ภาษาไทย", "한국어 문장입니다",
    "日本語の文章です。カタカナ、ひらがな。", "中文句子，带标点。", "Türkçe İstanbul ıi", "Straße ß ẞ", "ﬁnance ﬀ",
    "a\x14b\U00050000c\xff", "e\u0301 a\u0308 n\u0303", "\u0301\u0301", "🇫🇷🇩🇪", "👨‍👩‍👧‍👦 family", "🙂🙃😀", "emoji🚀rocket", "❤️ ✔️",
    "def f(x):\n    return x ** 2  # square\n", "if (a && b || !c) { return; }", "for i in range(10):\n\tprint(i)",
    "<div class=\"x\">Hi</div>", "SELECT * FROM t WHERE a = 'b';", "path/to/file.txt", "https://example.com/a?b=c&d=e",
    "foo_bar_baz fooBarBaz FOO_BAR", "!!!???...", "...", "--- *** ===", "(\"quoted\")", "«guillemets» „Anführung“",
    "<|im_start|>user\nHi<|im_end|>", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>", "text<|endoftext|>text", "<|im_start|><|im_end|>", "<|im_start", "< |im_start|>",
    "<reponame>x<filename>y.py<gh_stars>10", " it 's a charming and often affecting journey . ",
    "P-tuning: GPT Understands, Too (2021)", "   \n\t  mixed   whitespace\t\t\n", "\n\n\n\n",
]

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " " * 6 + "\t\n\r",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿ¡¿«»°±²³µ¶·¼½¾×÷",
    "日本語中文漢字かなカナ한국어",
    "🚀🙂😀👍🏽🇫🇷❤",
    "\u0301\u0308\u0303\u200d\ufe0f",
    "\u00a0\u2003\u3000\u0085\x0b\x0c\x1c",
    "\x00\x01\x07\x1b\x7f",
]
WORDS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "<|im_start|>", "<|im_end|>", "the", " the",
         "123", "4567", "  ", "\n\n", " \n", "hello", "Ωmega", "naïve", "😀"]


def random_texts(count):
    rng = random.Random(20240611)
    texts = []
    while len(texts) < count:
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.3:
                parts.append(rng.choice(WORDS))
            else:
                pool = rng.choice(POOLS)
                parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 6))))
        texts.append("".join(parts))
    return texts


SPACES = [" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2003", "\u2009", "\u202f", "\u205f", "\u3000", "\u1680",
          "\u0085", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1f", "\u200b", "\ufeff"]
NUMBERS = list("0123456789") + ["٣", "४", "²", "½", "Ⅻ", "①", "𝟙", "〇"]
LETTER_RUNS = ["a", "Z", "word", "The", "naïve", "Ελλάδα", "Привет", "東京", "中文", "かな", "カタカナ", "한국어", "עברית",
               "مرحبا", "हिन्दी", "ภาษา", "ſ", "ǅ", "ß", "İ", "ı", "ﬁ", "x"]
PUNCTUATION = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["…", "—", "«", "»", "„", "“", "¿", "¡", "·", "・", "。", "，"]
COMBINING = ["\u0301", "\u0308", "\u0303", "\u0327", "\u20e3", "\u0651", "\u093f"]
EMOJI = ["🚀", "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "❤️", "✔️", "1️⃣", "🧑🏿‍💻", "\U0001F9D1\u200d\U0001F384"]
SPECIAL = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start", "im_end|>", "< |im_end|>", "<reponame>",
           "<filename>", "<gh_stars>", "<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<start_of_turn",
           "<unused7>", "<table>", "[multimodal]", "<0x41>", "▁", "▁▁x"]
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'ſ", "'"]
CONTROL = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x1d"]


def edge_texts(count, seed):
    """`count` distinct texts assembled from short segments, biased to where pre-tokenizer patterns disagree."""
    rng = random.Random(seed)

    def whitespace():
        return "".join(rng.choice(SPACES) for _ in range(rng.choice([1, 1, 2, 3, 4, 5, 8])))

    def segment():
        kind = rng.random()
        if kind < 0.25:
            return whitespace()
        if kind < 0.40:
            return "".join(rng.choice(NUMBERS[:10] if rng.random() < 0.8 else NUMBERS) for _ in range(rng.randint(1, 7)))
        if kind < 0.55:
            return rng.choice(LETTER_RUNS) * rng.choice([1, 1, 2])
        if kind < 0.67:
            return "".join(rng.choice(PUNCTUATION) for _ in range(rng.randint(1, 4)))
        if kind < 0.73:
            return rng.choice(LETTER_RUNS + [""]) + "".join(rng.choice(COMBINING) for _ in range(rng.randint(1, 3)))
        if kind < 0.81:
            return "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
        if kind < 0.86:
            return rng.choice(SPECIAL)
        if kind < 0.92:
            return rng.choice(CONTRACTIONS)
        if kind < 0.95:
            return rng.choice(CONTROL)
        return rng.choice([" ", "\n", "1", "a", "!", "\t", "😀", "ab", "12"]) * rng.randint(16, 64)

    texts = {}
    while len(texts) < count:
        parts = []
        for _ in range(rng.randint(1, 10)):
            parts.append(segment())
            if rng.random() < 0.3:
                parts.append(whitespace())
        texts["".join(parts)] = None
    return list(texts)


def variant(config, pre_tokenizer, ignore_merges=False):
    config = json.loads(json.dumps(config))
    config["pre_tokenizer"] = pre_tokenizer
    config["model"]["ignore_merges"] = ignore_merges
    return Tokenizer.from_str(json.dumps(config))


def split(pattern):
    return {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared/ folder")
    parser.add_argument("--count", type=int, default=5000, help="texts from the edge-biased generator")
    parser.add_argument("--seed", type=int, default=20261202, help="its seed")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="the fixture to write (zstd-compressed when it ends in .zst)")
    models = Path.home() / ".cache/ptune/models"
    parser.add_argument("--gguf", action="append", metavar="NAME=FILE",
                        default=[f"gemma3={models / 'gemma-3-270m.Q4_K_M.gguf'}",
                                 f"qwen2.5={models / 'Qwen2.5-Coder-0.5B-Instruct.gguf'}"],
                        help="a GGUF file whose tokenizer (as transformers builds it) gives the ids under NAME")
    args = parser.parse_args()
    ggufs = dict(entry.split("=", 1) for entry in args.gguf)
    for name, file in ggufs.items():
        if not Path(file).exists():
            raise SystemExit(f"{file} is missing: run scripts/fetch-{'gemma3' if name == 'gemma3' else 'qwen2'}.sh first")
    source = args.shared / "reference" / "smollm2-hf" / "tokenizer.json"
    config = json.loads(source.read_text(encoding="utf-8"))
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    byte_level_only = dict(byte_level, use_regex=False)
    tokenizers = {
        "gpt2": Tokenizer.from_str(json.dumps(config)),
        "smollm": variant(config, {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True}, byte_level]}),
        "llama-bpe": variant(config, {"type": "Sequence", "pretokenizers": [split(LLAMA3), byte_level_only]}, True),
        "qwen2": variant(config, {"type": "Sequence", "pretokenizers": [split(QWEN2), byte_level_only]}),
    }
    from transformers import AutoTokenizer
    for name, file in ggufs.items():
        tokenizers[name] = AutoTokenizer.from_pretrained(Path(file).parent, gguf_file=Path(file).name).backend_tokenizer
    splitters = {name: (pattern, Tokenizer.from_str(json.dumps(dict(config, pre_tokenizer=split(pattern)))))
                 for name, pattern in [("llama-bpe", LLAMA3), ("qwen2", QWEN2)]}

    with_pieces = list(dict.fromkeys(FIXED + random_texts(LEGACY_RANDOM)))[:LEGACY_RANDOM]
    texts = list(dict.fromkeys(with_pieces + edge_texts(args.count, args.seed)))
    cases = []
    for index, text in enumerate(texts):
        case = {"text": text, "ids": {}}
        for name, tokenizer in tokenizers.items():
            case["ids"][name] = tokenizer.encode(text, add_special_tokens=False).ids
        decoded = tokenizers["gpt2"].decode(case["ids"]["gpt2"], skip_special_tokens=False)
        if decoded != text:
            case["decoded"] = decoded
        for name, (pattern, splitter) in (splitters.items() if index < len(with_pieces) else []):
            pieces = [text[start:end] for _, (start, end) in splitter.pre_tokenizer.pre_tokenize_str(text)]
            expected = regex.findall(pattern, text)
            if pieces != expected and not any("\x1c" <= c <= "\x1f" for c in text):
                raise SystemExit(f"tokenizers and regex disagree on {text!r}: {pieces} vs {expected}")
            case.setdefault("pieces", {})[name] = pieces
        cases.append(case)

    import transformers
    header = json.dumps({"source": "shared/reference/smollm2-hf/tokenizer.json; "
                                   + "; ".join(f"{name}: {Path(file).name}" for name, file in ggufs.items()),
                         "tokenizers": f"tokenizers {tokenizers_version}, transformers {transformers.__version__}",
                         "seed": args.seed}, ensure_ascii=False)
    lines = ",\n".join(json.dumps(case, ensure_ascii=False, separators=(",", ":")) for case in cases)
    text = (header[:-1] + ', "cases": [\n' + lines + "\n]}\n").encode("utf-8")
    if args.out.suffix == ".zst":
        # From a file, so the frame records its content size (the tests' reader needs it).
        plain = args.out.with_suffix("")
        plain.write_bytes(text)
        subprocess.run(["zstd", "-19", "-q", "-f", "--rm", str(plain), "-o", str(args.out)], check=True)
    else:
        args.out.write_bytes(text)
    print(f"{len(cases)} cases (seed {args.seed}) -> {args.out}")


if __name__ == "__main__":
    main()
