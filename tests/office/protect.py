#!/usr/bin/python3
"""Makes office files protected by a password, as Word, Excel and PowerPoint users do.

    protect.py OUT_DIR PASSWORD

Writes OUT_DIR/protected.EXT for DOC, DOCX, XLS, XLSX, PPT, PPTX, ODT, ODS and ODP: a short Vietnamese
text (a sheet, a slide) saved with PASSWORD, the way "Encrypt with password" does; and
OUT_DIR/default-encryption.xlsx, encrypted under Excel's built-in password
("VelvetSweatshop", what Excel uses for a workbook protected without a password to
open), which LibreOffice opens without asking. LibreOffice itself (its UNO bridge:
Debian's python3-uno, run by /usr/bin/python3) writes every file and encrypts DOC, XLS
and OpenDocument; it cannot encrypt the others on saving, so Apache POI does (Protect.java beside
this file, Debian's libapache-poi-java). Used by the end-to-end tests
(tests/tests/e2e/protected.rs); nothing here is shipped.
"""
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue

FILTERS = {
    "doc": ("writer", "MS Word 97"),
    "docx": ("writer", "MS Word 2007 XML"),
    "xls": ("calc", "MS Excel 97"),
    "xlsx": ("calc", "Calc MS Excel 2007 XML"),
    "ppt": ("impress", "MS PowerPoint 97"),
    "pptx": ("impress", "Impress MS PowerPoint 2007 XML"),
    "odt": ("writer", "writer8"),
    "ods": ("calc", "calc8"),
    "odp": ("impress", "impress8"),
}
TEXT = "Tài liệu có mật khẩu — Báo cáo tình hình kinh tế - xã hội"


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(0.1)
    raise SystemExit("protect.py: LibreOffice did not answer on its pipe")


def fill(doc, kind):
    if kind == "writer":
        doc.getText().setString(TEXT)
    elif kind == "calc":
        sheet = doc.getSheets().getByIndex(0)
        sheet.getCellByPosition(0, 0).setString(TEXT)
        sheet.getCellByPosition(0, 1).setValue(2026)
    else:
        page = doc.getDrawPages().getByIndex(0)
        shape = doc.createInstance("com.sun.star.drawing.TextShape")
        page.add(shape)
        shape.setString(TEXT)


POI = ["poi", "poi-ooxml", "poi-scratchpad", "commons-codec", "commons-collections4", "commons-compress",
       "commons-math3", "commons-logging"]
# What LibreOffice 7.4 encrypts when saving with a password; Apache POI does the rest.
LIBREOFFICE_ENCRYPTS = {"doc", "xls", "odt", "ods", "odp"}


def poi_encrypt(src, dst, password):
    classpath = ":".join(f"/usr/share/java/{j}.jar" for j in POI)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["java", "-cp", classpath, os.path.join(here, "Protect.java"), src, dst, password], check=True)


def main():
    out, password = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as plain:
        save(plain, out, password)
        for ext in FILTERS:
            if ext not in LIBREOFFICE_ENCRYPTS:
                poi_encrypt(os.path.join(plain, f"protected.{ext}"), os.path.join(out, f"protected.{ext}"), password)
        xlsx = os.path.join(plain, "protected.xlsx")
        poi_encrypt(xlsx, os.path.join(out, "default-encryption.xlsx"), "VelvetSweatshop")


def save(plain, out, password):
    """Every format from LibreOffice: DOC and XLS encrypted into OUT, the rest plain into
    PLAIN (for POI to encrypt)."""
    with tempfile.TemporaryDirectory() as home:
        pipe = f"protect{os.getpid()}"
        soffice = subprocess.Popen(
            ["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
             f"-env:UserInstallation=file://{home}/profile", f"--accept=pipe,name={pipe};urp;"],
            env={**os.environ, "HOME": home}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            ctx = connect(pipe)
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            for ext, (kind, filt) in FILTERS.items():
                doc = desktop.loadComponentFromURL(f"private:factory/s{kind}", "_blank", 0, (prop("Hidden", True),))
                fill(doc, kind)
                encrypted = ext in LIBREOFFICE_ENCRYPTS
                path = os.path.join(out if encrypted else plain, f"protected.{ext}")
                props = (prop("FilterName", filt),) + ((prop("Password", password),) if encrypted else ())
                doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)), props)
                doc.close(True)
        finally:
            try:
                desktop.terminate()
            except Exception:
                pass
            try:
                soffice.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(soffice.pid, 9)


if __name__ == "__main__":
    main()
