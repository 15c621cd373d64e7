"""The report CSV opened in a real spreadsheet (LibreOffice Calc, headless): province codes 01-09 and
district codes such as 0201 stay text with their leading zeros, the figures stay numbers, and the same
file still reads back as the codes in a script."""
import csv
import io
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile

from harness import Server

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def spreadsheet_cells(csv_bytes):
    """Opens the CSV in LibreOffice Calc (UTF-8, comma, as a spreadsheet user would) and returns the
    first sheet as {cell: (kind, value)}, kind "text" or "number", as Calc stored it in XLSX."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Calc is needed (scripts/deps.sh test installs libreoffice-calc-nogui)"
    d = tempfile.mkdtemp(prefix="sala-calc-")
    try:
        src = os.path.join(d, "report.csv")
        with open(src, "wb") as f:
            f.write(csv_bytes)
        p = subprocess.run([soffice, "-env:UserInstallation=file://" + d + "/profile", "--headless",
                            "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", d, src],
                           capture_output=True, text=True, timeout=180, env=dict(os.environ, HOME=d))
        out = os.path.join(d, "report.xlsx")
        assert os.path.exists(out), "Calc did not convert the CSV: " + p.stdout + p.stderr
        z = zipfile.ZipFile(out)
        shared = [si.findtext("m:t", "", NS) or "".join(t.text or "" for t in si.iter("{%s}t" % NS["m"]))
                  for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)]
        cells = {}
        for c in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}c" % NS["m"]):
            t, v = c.get("t", "n"), c.findtext("m:v", None, NS)
            if v is None:
                continue
            if t == "s":
                cells[c.get("r")] = ("text", shared[int(v)])
            elif t in ("str", "inlineStr"):
                cells[c.get("r")] = ("text", v)
            else:
                cells[c.get("r")] = ("number", v)
        return cells
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_spreadsheet_keeps_codes_as_text():
    with Server() as srv:
        c = srv.client()
        c.login("admin")
        provinces = c.get("/reports.csv?by=org&period=all&lang=en")
        assert provinces.status == 200, provinces.status
        districts = c.get("/reports.csv?org=02&by=org&period=all&lang=en")
        assert districts.status == 200, districts.status
        # Scripts: the code is the text formula ="02", which reads back as the code.
        rows = list(csv.reader(io.StringIO(districts.body[3:].decode("utf-8"), newline="")))
        assert rows[1][0] == '="0201"' and rows[1][1] == "Banan", rows[1]

        cells = spreadsheet_cells(provinces.body)
        codes = [cells["A%d" % i] for i in range(2, 11)]
        assert codes == [("text", "%02d" % n) for n in range(1, 10)], codes
        assert cells["B2"] == ("text", "Banteay Meanchey"), cells["B2"]
        assert cells["E2"][0] == "number", cells["E2"]  # enrolled: still a number to add up
        cells = spreadsheet_cells(districts.body)
        assert cells["A2"] == ("text", "0201") and cells["A3"] == ("text", "0202"), (cells["A2"], cells["A3"])

        # What the spreadsheet does to the same code written plainly: the zero is lost.
        plain = spreadsheet_cells(b"\xef\xbb\xbforg_code,n\r\n0012,1\r\n\"=\"\"0012\"\"\",1\r\n")
        assert plain["A2"] == ("number", "12") and plain["A3"] == ("text", "0012"), plain
