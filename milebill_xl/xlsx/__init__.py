"""The OOXML file layer: safe zip reading and rewriting, the hostile-file
guard, one XML tokenizer and A1 implementation (:mod:`.ooxml`), sheet XML,
the surgical patcher and the one atomic write. Knows nothing of billing:
no import from ``core``, ``workbook`` or ``actions``."""
