"""Measuring: `newsbot eval` (retrieval, citations, abstention) and `make bench` (speed and memory)."""
