"""LibreOffice batches (milebill_xl/office.py): LibreOffice 7.4 converts the
first 245 files named on one command line and silently drops the rest, so
a batch goes in runs of at most FILES_PER_RUN files."""
from __future__ import annotations

import pytest

from milebill_xl import office


def _notes(folder, n: int) -> list:
    files = [folder / f"note{k}.txt" for k in range(n)]
    for k, f in enumerate(files):
        f.write_text(f"note {k}\n", encoding="utf-8")
    return files


@pytest.mark.libreoffice
def test_a_batch_longer_than_one_run_converts_every_file(tmp_path, monkeypatch):
    monkeypatch.setattr(office, "FILES_PER_RUN", 2)
    run = office.start(_notes(tmp_path, 5), "pdf", tmp_path / "out")
    # each output as soon as it is complete, in order, while the rest convert
    assert list(run.as_made()) == [0, 1, 2, 3, 4]
    made = run.result()
    assert [p.name for p in made] == [f"note{k}.pdf" for k in range(5)]
    assert all(p.stat().st_size > 0 for p in made)


@pytest.mark.libreoffice
def test_a_cancelled_batch_stops(tmp_path, monkeypatch):
    monkeypatch.setattr(office, "FILES_PER_RUN", 1)
    run = office.start(_notes(tmp_path, 4), "pdf", tmp_path / "out")
    run.cancel()
    assert len(list((tmp_path / "out").glob("*.pdf"))) < 4
    with pytest.raises(RuntimeError, match="LibreOffice did not produce"):
        run.result()
