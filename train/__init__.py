"""edgequant.train."""
