"""Data package milebill_xl.macros: the add-in's VBA modules and ribbon XML,
shipped in the wheel (see milebill_xl/resources.py)."""
