// Encrypts an office file with a password where LibreOffice 7.4 cannot save one itself
// (PPT, and the OOXML formats DOCX/XLSX/PPTX): Apache POI (Debian's libapache-poi-java),
// run as a single-file program by tests/office/protect.py. Test tooling; nothing shipped.
//
//   java -cp POI_JARS Protect.java IN OUT PASSWORD
import java.io.*;
import java.nio.file.*;
import org.apache.poi.hslf.usermodel.HSLFSlideShow;
import org.apache.poi.hssf.record.crypto.Biff8EncryptionKey;
import org.apache.poi.poifs.crypt.*;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;

public class Protect {
    public static void main(String[] a) throws Exception {
        String in = a[0], out = a[1], password = a[2];
        if (in.endsWith(".ppt")) {
            // HSLF encrypts every record with RC4 CryptoAPI when a password is set on write.
            try (HSLFSlideShow show = new HSLFSlideShow(new FileInputStream(in))) {
                Biff8EncryptionKey.setCurrentUserPassword(password);
                try (OutputStream os = new FileOutputStream(out)) { show.write(os); }
            } finally {
                Biff8EncryptionKey.setCurrentUserPassword(null);
            }
            return;
        }
        // OOXML: the ZIP package goes, encrypted, into an OLE2 container beside its
        // EncryptionInfo (ECMA-376 standard encryption, as Office 2007 writes it; the agile
        // mode of later versions needs XML schemas Debian's POI lacks).
        try (POIFSFileSystem fs = new POIFSFileSystem()) {
            Encryptor enc = new EncryptionInfo(EncryptionMode.standard).getEncryptor();
            enc.confirmPassword(password);
            try (OutputStream os = enc.getDataStream(fs)) { Files.copy(Paths.get(in), os); }
            try (OutputStream os = new FileOutputStream(out)) { fs.writeFilesystem(os); }
        }
    }
}
