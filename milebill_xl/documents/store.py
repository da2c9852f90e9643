"""The invoice folder, written so that documents and the workbook never
disagree, whatever moment a run is killed at.

A run renders its documents into a staging folder (``.milebill-pending``
inside the invoice folder), then the workbook is replaced atomically, then
the documents are moved into place. Before any run, :meth:`recover` looks
at what a killed run left in staging: a document the workbook records is
moved into place (the workbook write had happened), any other is deleted
(it had not). So every issued invoice ends with exactly one document and
every document belongs to an issued invoice.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

STAGING = ".milebill-pending"
#: suffixes of the files written beside a document (its e-invoice)
COMPANIONS = (".pdf", ".xml")


class DocumentClash(Exception):
    """A document with a new invoice's file name is already in the folder."""


class DocumentStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.staging = self.folder / STAGING
        #: the invoice folder did not exist before this run made it
        self._made_folder = False

    def recover(self, recorded: set[str]) -> tuple[list[str], list[str]]:
        """Finish or undo what a killed run left; return (moved, deleted) names.

        ``recorded`` holds the Document names the workbook lists; a file of
        the same name but a companion's suffix (the e-invoice beside it:
        ``.pdf``, ``.xml``) belongs to that document."""
        moved, deleted = [], []
        if not self.staging.is_dir():
            return moved, deleted
        stems = {Path(name).stem for name in recorded}
        for entry in sorted(self.staging.iterdir()):
            final = self.folder / entry.name
            ours = entry.name in recorded or (entry.suffix in COMPANIONS and entry.stem in stems)
            if ours and not final.exists() and entry.is_file():
                os.replace(entry, final)
                moved.append(entry.name)
            else:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                deleted.append(entry.name)
        try:
            self.staging.rmdir()
        except OSError:
            pass
        return moved, deleted

    def check_free(self, names: list[str]) -> None:
        """Refuse when a new document's name is already taken in the folder."""
        taken = [n for n in names if (self.folder / n).exists()]
        if taken:
            raise DocumentClash(
                f"{self.folder}: {', '.join(taken[:5])} already exist(s) but the workbook "
                "does not list them; another copy of this workbook may have issued these "
                "numbers. Move the files away (or reconcile the copies) and try again")

    def stage_path(self, name: str) -> Path:
        if not self.folder.exists():
            self._made_folder = True
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging / name

    def publish(self, names: list[str]) -> list[Path]:
        """Move staged documents into the folder (after the workbook write)."""
        out = []
        for name in names:
            final = self.folder / name
            os.replace(self.staging / name, final)
            out.append(final)
        try:
            self.staging.rmdir()
        except OSError:
            pass
        return out

    def discard(self, names: list[str]) -> None:
        """Delete staged documents (the workbook write failed)."""
        for name in names:
            (self.staging / name).unlink(missing_ok=True)
        try:
            self.staging.rmdir()
            if self._made_folder:  # a refused run leaves no empty folder behind
                self.folder.rmdir()
        except OSError:
            pass
