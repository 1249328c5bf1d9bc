#!/usr/bin/env python3
"""Checks a ptune PEFT export folder: adapter_model.safetensors holds one F32 tensor
prompt_embeddings [num_virtual_tokens, token_dim], and adapter_config.json has the keys PEFT's
P-tuning config needs. With PEFT installed, loads the config through PeftConfig; with transformers
too, attaches the adapter to a small randomly initialised Llama of the config's shape (nothing is
downloaded) and checks that PEFT's prompt embeddings equal the exported table.

usage: check-peft-export.py ADAPTER_FOLDER
"""
import json
import sys
import warnings
from pathlib import Path

from safetensors import safe_open

REQUIRED = {
    "peft_type": str, "task_type": str, "num_virtual_tokens": int, "token_dim": int,
    "num_transformer_submodules": int, "num_attention_heads": int, "num_layers": int,
    "encoder_reparameterization_type": str, "encoder_hidden_size": int, "inference_mode": bool,
    "base_model_name_or_path": str, "ptune_template": str, "ptune_prefix_only": bool, "ptune_note": str,
}


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def main(folder):
    folder = Path(folder)
    config = json.loads((folder / "adapter_config.json").read_text())
    for key, kind in REQUIRED.items():
        if key not in config:
            fail(f"adapter_config.json has no {key}")
        if not isinstance(config[key], kind):
            fail(f"adapter_config.json {key} is {config[key]!r}, not {kind.__name__}")
    if "revision" not in config or config["revision"] is not None:
        fail("adapter_config.json revision should be null")
    if config["peft_type"] != "P_TUNING" or config["task_type"] != "CAUSAL_LM":
        fail(f"peft_type/task_type are {config['peft_type']}/{config['task_type']}")
    if config["encoder_reparameterization_type"] not in ("LSTM", "MLP"):
        fail(f"encoder_reparameterization_type is {config['encoder_reparameterization_type']}")
    if config["inference_mode"] is not True:
        fail("inference_mode should be true")

    with safe_open(folder / "adapter_model.safetensors", framework="pt") as f:
        names = list(f.keys())
        if names != ["prompt_embeddings"]:
            fail(f"tensors are {names}, expected ['prompt_embeddings']")
        tensor = f.get_tensor("prompt_embeddings")
    expected = (config["num_virtual_tokens"], config["token_dim"])
    if tuple(tensor.shape) != expected:
        fail(f"prompt_embeddings has shape {tuple(tensor.shape)}, expected {expected}")
    if str(tensor.dtype) != "torch.float32":
        fail(f"prompt_embeddings has dtype {tensor.dtype}")
    print(f"ok: prompt_embeddings {tuple(tensor.shape)} float32, config keys present")

    try:
        from peft import PeftConfig
    except ImportError:
        print("peft not installed: config not loaded through PEFT")
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = PeftConfig.from_pretrained(str(folder))
    for warning in caught:
        print(f"peft warning: {warning.message}")
    if type(loaded).__name__ != "PromptEncoderConfig":
        fail(f"PEFT loaded a {type(loaded).__name__}")
    if loaded.num_virtual_tokens != expected[0] or loaded.token_dim != expected[1]:
        fail("PEFT read different num_virtual_tokens/token_dim")
    print(f"ok: PEFT loads it as PromptEncoderConfig ({loaded.encoder_reparameterization_type}, "
          f"{loaded.num_virtual_tokens} virtual tokens, inference_mode={loaded.inference_mode})")
    check_attached(folder, loaded, tensor)


def check_attached(folder, config, table):
    """Attaches the adapter to a random Llama whose width, heads and layers match the config."""
    try:
        import torch
        from peft import PeftModel
        from transformers import LlamaConfig, LlamaForCausalLM
    except ImportError:
        print("transformers not installed: adapter not attached to a model")
        return
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(
        vocab_size=64, hidden_size=config.token_dim, intermediate_size=2 * config.token_dim,
        num_hidden_layers=config.num_layers, num_attention_heads=config.num_attention_heads,
        num_key_value_heads=config.num_attention_heads))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = PeftModel.from_pretrained(model, str(folder))
    embeddings = peft_model.prompt_encoder["default"].embedding.weight.detach()
    if not torch.equal(embeddings, table):
        fail("PEFT's prompt embeddings differ from the exported table")
    ids = torch.zeros((1, 3), dtype=torch.long)
    with torch.no_grad():
        logits = peft_model(input_ids=ids).logits
    if logits.shape[1] not in (3, 3 + config.num_virtual_tokens):
        fail(f"unexpected logits shape {tuple(logits.shape)}")
    print(f"ok: PeftModel attaches the adapter; its prompt embeddings equal the table; forward gives {tuple(logits.shape)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
