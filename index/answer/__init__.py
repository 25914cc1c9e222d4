"""Answering: the learned reader, the composed answer and its citations."""
