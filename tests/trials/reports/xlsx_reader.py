"""Read an .xlsx file with the standard library (zipfile + the sheet XML): sheet names in order and
each sheet's cells as text, so tests check the file a spreadsheet would open, without a new library."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def read_xlsx(path: Path | str) -> dict[str, list[list[str]]]:
    """{sheet name: rows of cell texts}, in workbook order. Numbers come back as their stored text."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = [
                "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)
            ]
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        sheets: dict[str, list[list[str]]] = {}
        for sheet in workbook.find("m:sheets", NS):
            target = targets[sheet.get(REL)].lstrip("/")
            xml = ElementTree.fromstring(archive.read(target if target.startswith("xl/") else f"xl/{target}"))
            rows = []
            for row in xml.iter(f"{{{NS['m']}}}row"):
                cells: list[str] = []
                for cell in row.findall("m:c", NS):
                    index = _column_index(cell.get("r"))
                    cells.extend([""] * (index - len(cells)))
                    kind = cell.get("t")
                    if kind == "inlineStr":
                        text = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
                    elif kind == "s":
                        text = shared[int(cell.find("m:v", NS).text)]
                    else:
                        value = cell.find("m:v", NS)
                        text = value.text if value is not None else ""
                    cells.append(text)
                rows.append(cells)
            sheets[sheet.get("name")] = rows
        return sheets
