"""edgequant.export."""
