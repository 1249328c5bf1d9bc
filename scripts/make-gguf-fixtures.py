#!/usr/bin/env python3
"""Writes the model-file test fixtures into Tests/LMTests/ModelFile/Fixtures/.

Every expected value comes from gguf-py (quantization, de-quantization, GGUF writing) and from the
`safetensors` package, so the Swift readers are checked against independent implementations.
Requires: pip install gguf numpy safetensors. Deterministic: re-running rewrites identical files.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parent.parent / "Tests" / "LMTests" / "ModelFile" / "Fixtures"
rng = np.random.default_rng(20240611)


def write(writer: gguf.GGUFWriter):
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def random_f16(n, lo, hi):
    return rng.uniform(lo, hi, size=n).astype(np.float16).view(np.uint8).reshape(n, 2)


def k_quant_blocks(qtype: Q, n_blocks: int) -> np.ndarray:
    """Random but finite K-quant blocks (gguf-py can de-quantize these types but not quantize them)."""
    if qtype in (Q.Q4_K, Q.Q5_K):
        parts = [random_f16(n_blocks, 0.001, 0.05), random_f16(n_blocks, 0.001, 0.05),
                 rng.integers(0, 256, size=(n_blocks, 12), dtype=np.uint8)]
        if qtype == Q.Q5_K:
            parts.append(rng.integers(0, 256, size=(n_blocks, 32), dtype=np.uint8))
        parts.append(rng.integers(0, 256, size=(n_blocks, 128), dtype=np.uint8))
    else:  # Q6_K: ql, qh, int8 scales, d
        parts = [rng.integers(0, 256, size=(n_blocks, 128), dtype=np.uint8),
                 rng.integers(0, 256, size=(n_blocks, 64), dtype=np.uint8),
                 rng.integers(0, 256, size=(n_blocks, 16), dtype=np.uint8),
                 random_f16(n_blocks, -0.01, 0.01)]
    return np.concatenate(parts, axis=1)


def quants_fixture():
    """One tensor of each supported type, each followed by gguf-py's float32 de-quantization
    ("<name>.expected"), plus metadata of every value type and a non-default alignment."""
    w = gguf.GGUFWriter(OUT / "quants.gguf", "fixture")
    w.data_alignment = 64
    w.add_uint32("general.alignment", 64)
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.15625)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo ✓")
    w.add_uint64("test.u64", 18000000000000000000)
    w.add_int64("test.i64", -9000000000000000000)
    w.add_float64("test.f64", -2.5e-300)
    w.add_array("test.array.i32", [1, -2, 3])
    w.add_array("test.array.string", ["a", "", "ü b"])
    w.add_key_value("test.array.nested", [[1, 2], [3]], gguf.GGUFValueType.ARRAY,
                    sub_type=gguf.GGUFValueType.ARRAY)
    w.add_key_value("test.array.f32", [0.5, -1.25], gguf.GGUFValueType.ARRAY,
                    sub_type=gguf.GGUFValueType.FLOAT32)

    x = rng.standard_normal(256).astype(np.float32)  # one row: a whole number of blocks for every type
    w.add_tensor("f32", x.reshape(2, 128))
    w.add_tensor("f32.expected", x.reshape(2, 128))
    for name, qtype in [("f16", Q.F16), ("bf16", Q.BF16), ("q8_0", Q.Q8_0), ("q4_0", Q.Q4_0),
                        ("q4_1", Q.Q4_1), ("q5_0", Q.Q5_0), ("q5_1", Q.Q5_1)]:
        data = gguf.quants.quantize(x.reshape(1, 256), qtype)
        w.add_tensor(name, data, raw_dtype=None if qtype == Q.F16 else qtype)
        w.add_tensor(name + ".expected", gguf.quants.dequantize(data, qtype).astype(np.float32))
    for name, qtype in [("q4_k", Q.Q4_K), ("q5_k", Q.Q5_K), ("q6_k", Q.Q6_K)]:
        data = k_quant_blocks(qtype, 1)
        w.add_tensor(name, data, raw_dtype=qtype)
        w.add_tensor(name + ".expected", gguf.quants.dequantize(data, qtype).astype(np.float32))
    write(w)


def permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf Q/K permutation: half-split rotary pairs become adjacent rows."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def unpermute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """The inverse of `permute`: what transformers does when it loads a llama GGUF."""
    return (weights.reshape(n_head, weights.shape[0] // n_head // 2, 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def tiny_model(arch: str):
    """A tiny decoder written twice: as a GGUF (mixed tensor types) and as a Hugging Face folder whose
    safetensors hold exactly the float32 values the GGUF de-quantizes to."""
    V, H, L, NH, NKV, F = 64, 16, 2, 4, 2, 32
    d = H // NH
    qwen = arch == "qwen2"

    def r(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    hf = {}  # Hugging Face name -> float32 values (as de-quantized from the GGUF)
    w = gguf.GGUFWriter(OUT / f"tiny-{arch}.gguf", arch)
    w.add_uint32(f"{arch}.block_count", L)
    w.add_uint32(f"{arch}.context_length", 128)
    w.add_uint32(f"{arch}.embedding_length", H)
    w.add_uint32(f"{arch}.feed_forward_length", F)
    w.add_uint32(f"{arch}.attention.head_count", NH)
    w.add_uint32(f"{arch}.attention.head_count_kv", NKV)
    w.add_float32(f"{arch}.attention.layer_norm_rms_epsilon", 1e-6 if qwen else 1e-5)
    w.add_float32(f"{arch}.rope.freq_base", 1000000.0 if qwen else 100000.0)
    w.add_uint32(f"{arch}.rope.dimension_count", d)
    if not qwen:
        w.add_uint32(f"{arch}.vocab_size", V)

    tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<extra>"] + [f"t{i}" for i in range(4, V)]
    types = [3, 3, 3, 4] + [1] * (V - 4)
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", "qwen2" if qwen else "smollm")
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_array("tokenizer.ggml.token_type", types)
    w.add_array("tokenizer.ggml.merges", ["t 1", "t 2", "t1 0"])
    w.add_uint32("tokenizer.ggml.bos_token_id", 1)
    w.add_uint32("tokenizer.ggml.eos_token_id", 2)
    if not qwen:
        w.add_uint32("tokenizer.ggml.padding_token_id", 0)
    w.add_bool("tokenizer.ggml.add_bos_token", not qwen)

    def add(gguf_name, hf_name, values, qtype=Q.F32, gguf_values=None):
        stored = values if gguf_values is None else gguf_values
        if qtype == Q.F32:
            w.add_tensor(gguf_name, stored)
            exact = stored
        elif qtype == Q.F16:
            data = stored.astype(np.float16)
            w.add_tensor(gguf_name, data)
            exact = data.astype(np.float32)
        else:
            data = gguf.quants.quantize(stored, qtype)
            w.add_tensor(gguf_name, data, raw_dtype=qtype)
            exact = gguf.quants.dequantize(data, qtype).astype(np.float32)
        if gguf_values is not None:
            exact = unpermute(exact, exact.shape[0] // d)
            assert np.array_equal(unpermute(gguf_values, exact.shape[0] // d), values)
        hf[hf_name] = np.ascontiguousarray(exact)

    add("token_embd.weight", "model.embed_tokens.weight", r(V, H), Q.F16)
    for i in range(L):
        p, h = f"blk.{i}.", f"model.layers.{i}."
        add(p + "attn_norm.weight", h + "input_layernorm.weight", 1 + r(H))
        q, k = r(NH * d, H), r(NKV * d, H)
        if qwen:
            add(p + "attn_q.weight", h + "self_attn.q_proj.weight", q)
            add(p + "attn_k.weight", h + "self_attn.k_proj.weight", k)
            add(p + "attn_q.bias", h + "self_attn.q_proj.bias", r(NH * d))
            add(p + "attn_k.bias", h + "self_attn.k_proj.bias", r(NKV * d))
            add(p + "attn_v.bias", h + "self_attn.v_proj.bias", r(NKV * d))
        else:
            add(p + "attn_q.weight", h + "self_attn.q_proj.weight", q, gguf_values=permute(q, NH))
            add(p + "attn_k.weight", h + "self_attn.k_proj.weight", k, gguf_values=permute(k, NKV))
        add(p + "attn_v.weight", h + "self_attn.v_proj.weight", r(NKV * d, H), Q.F16)
        add(p + "attn_output.weight", h + "self_attn.o_proj.weight", r(H, NH * d), Q.BF16)
        add(p + "ffn_norm.weight", h + "post_attention_layernorm.weight", 1 + r(H))
        add(p + "ffn_gate.weight", h + "mlp.gate_proj.weight", r(F, H))
        add(p + "ffn_up.weight", h + "mlp.up_proj.weight", r(F, H), Q.F16)
        add(p + "ffn_down.weight", h + "mlp.down_proj.weight", r(H, F), Q.Q8_0)
    add("output_norm.weight", "model.norm.weight", 1 + r(H))
    if qwen:
        add("output.weight", "lm_head.weight", r(V, H))
    write(w)

    folder = OUT / f"tiny-{arch}-hf"
    folder.mkdir(exist_ok=True)
    config = {"model_type": arch, "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": NH,
              "num_key_value_heads": NKV, "intermediate_size": F, "vocab_size": V,
              "max_position_embeddings": 128, "tie_word_embeddings": not qwen}
    if qwen:
        config.update({"rms_norm_eps": 1e-6, "rope_theta": 1000000.0})
    else:
        config.update({"rms_norm_eps": 1e-5, "head_dim": d, "attention_bias": False,
                       "rope_parameters": {"rope_theta": 100000.0, "rope_type": "default"}})
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    # Store the half-precision tensors as F16 so the reader's F16 path is exercised too.
    stored = {name: (v.astype(np.float16) if name.endswith(("embed_tokens.weight", "v_proj.weight"))
                     else v) for name, v in hf.items()}
    save_file(stored, str(folder / "model.safetensors"), metadata={"format": "pt"})  # one key: safetensors orders keys arbitrarily


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    quants_fixture()
    tiny_model("llama")
    tiny_model("qwen2")
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            print(f"{f.relative_to(OUT)}: {f.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
