package attach

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
)

// bidiOrInvisible reports characters that reorder or hide parts of a file
// name: the Unicode bidirectional controls (UAX #9: LRE, RLE, PDF, LRO,
// RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM) and zero-width characters.
func bidiOrInvisible(r rune) bool {
	switch r {
	case '\u202A', '\u202B', '\u202C', '\u202D', '\u202E',
		'\u2066', '\u2067', '\u2068', '\u2069',
		'\u200E', '\u200F', '\u061C',
		'\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u180E':
		return true
	}
	return false
}

// fakeDot reports characters that look like a full stop in a file name
// but are not one, so "invoice․pdf" (U+2024) has no ".pdf" extension.
func fakeDot(r rune) bool {
	switch r {
	case '\u2024', '\uFF0E', '\uFE52', '\u3002', '\u0701', '\u0702', '\uA4F8', '\u2E31', '\u00B7', '\u2219', '\u22C5':
		return true
	}
	return false
}

// nameTrick finds the first trick in name: its byte span and what it is.
func nameTrick(name string) (start, end int, what string, ok bool) {
	for i, r := range name {
		n := utf8.RuneLen(r)
		switch {
		case r == '\u202E' || r == '\u202D' || r == '\u2067' || r == '\u2066' || r == '\u2068':
			return i, i + n, fmt.Sprintf("a right-to-left or override control (U+%04X) that shows the end of the name reversed", r), true
		case bidiOrInvisible(r):
			return i, i + n, fmt.Sprintf("an invisible character (U+%04X)", r), true
		case fakeDot(r):
			return i, i + n, fmt.Sprintf("a look-alike dot (U+%04X), so the real extension is not the one shown", r), true
		}
	}
	// Padding: a run of spaces (or other blanks) before the extension
	// pushes it out of sight in narrow columns ("report.pdf          .exe").
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		j := i
		for j > 0 && name[j-1] == ' ' {
			j--
		}
		if i-j >= 5 {
			return j, i, "a run of spaces that pushes the real extension out of sight", true
		}
	}
	if t := strings.TrimRight(name, " ."); t != name && strings.Contains(t, ".") {
		return len(t), len(name), "trailing dots or spaces, which Windows drops", true
	}
	return 0, 0, "", false
}

// docExt are extensions of files people open without thinking: documents,
// images, media, archives. One of these right before a dangerous one is a
// double extension.
var docExt = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "ppt": true, "pptx": true,
	"odt": true, "ods": true, "odp": true, "rtf": true, "txt": true, "csv": true,
	"jpg": true, "jpeg": true, "png": true, "gif": true, "bmp": true, "tif": true, "tiff": true, "heic": true,
	"mp3": true, "mp4": true, "wav": true, "mov": true, "avi": true,
	"zip": true, "rar": true, "7z": true, "htm": true, "html": true, "eml": true, "msg": true,
}

// diskExt are disk image extensions.
var diskExt = map[string]bool{"iso": true, "img": true, "vhd": true, "vhdx": true, "dmg": true, "udf": true, "vmdk": true}

// checkName runs the file-name rules.
func (s *Scanner) checkName(a *message.Attachment, ext string, f *finder) {
	name := a.Filename
	if name == "" {
		return
	}
	if i, j, what, ok := nameTrick(name); ok {
		f.add(scanners.Finding{Rule: "attachment_unicode_trick", Severity: scanners.High, Score: 6,
			Explanation: "the file name " + display(a) + " contains " + what + "; the name shown is not the file's real type",
			Evidence:    []scanners.Evidence{{Part: a.PartID, Field: "filename", Offset: i, Length: j - i, Text: name[i:j]}, nameEvidence(a)}})
	}
	if s.dangerous[ext] {
		trimmed := strings.TrimRight(name, ". \t")
		prev := extOf(strings.TrimSuffix(trimmed, trimmed[strings.LastIndexByte(trimmed, '.'):]))
		if docExt[prev] {
			f.add(scanners.Finding{Rule: "attachment_double_extension", Severity: scanners.High, Score: 6,
				Explanation: fmt.Sprintf("the file %s looks like a .%s but is a .%s, which runs code when opened", display(a), prev, ext),
				Evidence:    []scanners.Evidence{extEvidence(a)}})
		} else {
			f.add(scanners.Finding{Rule: "attachment_dangerous_extension", Severity: scanners.High, Score: 5,
				Explanation: fmt.Sprintf("the file %s has the extension .%s, which runs code when opened", display(a), ext),
				Evidence:    []scanners.Evidence{extEvidence(a)}})
		}
	}
	if diskExt[ext] {
		f.add(scanners.Finding{Rule: "attachment_disk_image", Severity: scanners.High, Score: 5,
			Explanation: fmt.Sprintf("the file %s is a disk image (.%s); opening one mounts it and can bypass the warnings Windows shows for downloaded files", display(a), ext),
			Evidence:    []scanners.Evidence{extEvidence(a)}})
	}
}

// typeClass is a coarse kind of file content.
type typeClass int

const (
	classOther typeClass = iota
	classProgram
	classScript
	classArchive
	classHTML
	classDocument
	classImage
	classDisk
)

// detectedClass classifies the content of a.
func detectedClass(a *message.Attachment) (typeClass, string) {
	t := a.DetectedType
	switch t {
	case "application/vnd.microsoft.portable-executable", "application/x-msdownload", "application/x-dosexec",
		"application/x-elf", "application/x-executable", "application/x-sharedlib", "application/x-mach-binary",
		"application/java-archive", "application/x-java-applet", "application/x-ms-installer",
		"application/x-ms-shortcut", "application/x-bytecode.python", "application/x-installshield":
		return classProgram, programKind(t)
	case "text/javascript", "application/javascript", "text/x-shellscript", "text/x-php", "text/x-perl",
		"text/x-python", "text/x-lua", "text/x-ruby", "text/x-tcl":
		return classScript, t
	case "application/zip", "application/gzip", "application/x-7z-compressed", "application/vnd.rar",
		"application/x-tar", "application/x-bzip2", "application/x-xz", "application/vnd.ms-cab-compressed":
		return classArchive, t
	case "text/html", "application/xhtml+xml":
		return classHTML, t
	}
	if k := diskSignature(a.Data); k != "" {
		return classDisk, k
	}
	switch {
	case strings.HasPrefix(t, "image/"):
		return classImage, t
	case t == "application/pdf" || strings.Contains(t, "officedocument") || strings.Contains(t, "opendocument") ||
		t == "application/msword" || t == "application/vnd.ms-excel" || t == "application/vnd.ms-powerpoint" || t == "text/rtf":
		return classDocument, t
	}
	return classOther, t
}

func programKind(t string) string {
	switch t {
	case "application/vnd.microsoft.portable-executable", "application/x-msdownload", "application/x-dosexec":
		return "a Windows program"
	case "application/x-elf", "application/x-executable", "application/x-sharedlib":
		return "a Linux program"
	case "application/x-mach-binary":
		return "a macOS program"
	case "application/java-archive", "application/x-java-applet":
		return "a Java program"
	case "application/x-ms-installer", "application/x-installshield":
		return "a Windows installer"
	case "application/x-ms-shortcut":
		return "a Windows shortcut (which can run any command)"
	}
	return "a program (" + t + ")"
}

// diskSignature recognises disk images by their signatures: ISO 9660
// ("CD001" at 32769), VHDX ("vhdxfile"), VHD ("conectix" footer or
// copy), DMG ("koly" trailer).
func diskSignature(b []byte) string {
	switch {
	case len(b) > 32774 && bytes.Equal(b[32769:32774], []byte("CD001")):
		return "an ISO 9660 disk image"
	case bytes.HasPrefix(b, []byte("vhdxfile")):
		return "a VHDX disk image"
	case bytes.HasPrefix(b, []byte("conectix")) || len(b) >= 512 && bytes.HasPrefix(b[len(b)-512:], []byte("conectix")):
		return "a VHD disk image"
	case len(b) >= 512 && bytes.HasPrefix(b[len(b)-512:], []byte("koly")):
		return "a macOS disk image"
	}
	return ""
}

// nameClass is what the extension promises.
func nameClass(ext string) typeClass {
	switch ext {
	case "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "txt", "csv":
		return classDocument
	case "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "heic", "webp":
		return classImage
	}
	return classOther
}

// scriptExt are script extensions reported as scripts (they are also in
// the dangerous list, which reports the name).
var scriptExt = map[string]string{
	"js": "JavaScript", "jse": "JScript", "vbs": "VBScript", "vbe": "VBScript", "wsf": "Windows Script",
	"wsh": "Windows Script", "ps1": "PowerShell", "psm1": "PowerShell", "bat": "batch", "cmd": "batch",
	"hta": "HTML application", "sct": "scriptlet", "sh": "shell", "csh": "shell", "ksh": "shell",
}

// checkType runs the content rules.
func (s *Scanner) checkType(a *message.Attachment, ext string, f *finder) {
	if len(a.Data) == 0 {
		return
	}
	class, kind := detectedClass(a)
	declared := a.ContentType
	says := ""
	switch {
	case a.Filename != "" && ext != "":
		says = "its name says ." + ext
	case declared != "" && declared != a.DetectedType:
		says = "its declared type is " + declared
	}
	switch class {
	case classProgram:
		expl := "the attachment " + display(a) + " is " + kind
		if says != "" {
			expl += " although " + says
		}
		f.add(scanners.Finding{Rule: "attachment_executable", Severity: scanners.High, Score: 7,
			Explanation: expl, Evidence: []scanners.Evidence{nameEvidence(a), typeEvidence(a, "detected "+a.DetectedType+"; declared "+declared)}})
		return
	case classScript:
		f.add(scanners.Finding{Rule: "attachment_script", Severity: scanners.High, Score: 5,
			Explanation: "the attachment " + display(a) + " is a script (" + kind + ")",
			Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "detected "+a.DetectedType)}})
	case classDisk:
		if !diskExt[ext] {
			f.add(scanners.Finding{Rule: "attachment_disk_image", Severity: scanners.High, Score: 5,
				Explanation: "the attachment " + display(a) + " is " + kind + "; opening one mounts it and can bypass the warnings Windows shows for downloaded files",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, kind)}})
		}
	}
	if lang, ok := scriptExt[ext]; ok && class != classScript {
		f.add(scanners.Finding{Rule: "attachment_script", Severity: scanners.High, Score: 5,
			Explanation: "the attachment " + display(a) + " is a " + lang + " script, which runs when opened",
			Evidence:    []scanners.Evidence{extEvidence(a)}})
	}
	promised := nameClass(ext)
	if promised == classOther {
		promised = declaredClass(declared)
	}
	if (promised == classDocument || promised == classImage) && (class == classArchive || class == classHTML || class == classDisk) {
		f.add(scanners.Finding{Rule: "attachment_type_mismatch", Severity: scanners.Medium, Score: 3,
			Explanation: fmt.Sprintf("the attachment %s is really %s although %s", display(a), article(a.DetectedType, kind, class), says),
			Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, "detected "+a.DetectedType+"; declared "+declared)}})
	}
}

func article(t, kind string, c typeClass) string {
	switch c {
	case classArchive:
		return "an archive (" + t + ")"
	case classHTML:
		return "a web page (" + t + ")"
	}
	return kind
}

// declaredClass is what a declared Content-Type promises.
func declaredClass(ct string) typeClass {
	switch {
	case strings.HasPrefix(ct, "image/"):
		return classImage
	case ct == "application/pdf" || ct == "application/msword" || strings.Contains(ct, "officedocument"):
		return classDocument
	}
	return classOther
}

// isHTMLAttachment reports attached web pages.
func isHTMLAttachment(a *message.Attachment, ext string) bool {
	switch ext {
	case "htm", "html", "xhtml", "shtml", "mht", "mhtml":
		return true
	}
	return a.DetectedType == "text/html" || a.DetectedType == "application/xhtml+xml"
}

// hasPasswordForm reports HTML with a password field.
func hasPasswordForm(h string) bool {
	for _, f := range message.ScanHTML(h, 0).Forms {
		if f.Password {
			return true
		}
	}
	return false
}

// checkProblems turns the parser's archive problems into findings.
func (s *Scanner) checkProblems(m *message.Message, byID map[string]int, f *finder) {
	for _, p := range m.Problems {
		a := &message.Attachment{PartID: p.PartID}
		if i, ok := byID[p.PartID]; ok {
			a = &m.Attachments[i]
		}
		switch p.Name {
		case "encrypted_archive":
			f.add(scanners.Finding{Rule: "attachment_encrypted_archive", Severity: scanners.Medium, Score: 4,
				Explanation: "the archive " + display(a) + " is password-protected, so its content cannot be scanned; malware is often sent this way with the password in the message",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, p.Detail)}})
		case "archive_bomb":
			f.add(scanners.Finding{Rule: "attachment_archive_bomb", Severity: scanners.High, Score: 6,
				Explanation: "the archive " + display(a) + " expands far beyond its size (a zip bomb); it was not unpacked further",
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, p.Detail)}})
		case "archive_limit":
			f.add(scanners.Finding{Rule: "attachment_archive_limit", Severity: scanners.Medium, Score: 2,
				Explanation: "the archive " + display(a) + " could not be scanned completely: " + p.Detail,
				Evidence:    []scanners.Evidence{nameEvidence(a), typeEvidence(a, p.Detail)}})
		}
	}
	for i := range m.Attachments {
		a := &m.Attachments[i]
		if len(a.Data) == 0 {
			continue
		}
		if t := a.DetectedType; t == "application/vnd.rar" || t == "application/x-7z-compressed" {
			f.add(scanners.Finding{Rule: "attachment_archive_listed", Severity: scanners.Low, Score: 1,
				Explanation: "the archive " + display(a) + " was listed and its file names checked, but its content was not unpacked",
				Evidence:    []scanners.Evidence{nameEvidence(a)}})
		}
	}
}
