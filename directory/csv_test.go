package directory

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/config"
)

func TestReadCSV(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		kind      Kind
		in        string
		wantNames []string
		wantWarns []string
	}{
		{"columns by name, any case, extra ignored", Staff,
			"UPN,EMAIL,Name,Personal Emails,role\n1,A.B@s.sch.uk,Ann Bee,ann@gmail.com; ANN2@hotmail.com,Head\n",
			[]string{"Ann Bee"}, nil},
		{"byte order mark and CRLF", Pupil, "\ufeffname,email,year_group\r\nCat Dee,c.dee@s.sch.uk,Year 3\r\n", []string{"Cat Dee"}, nil},
		{"malformed rows skipped with line", Parent,
			"name,email,children\nGood One,g@example.com,Kid One\n,x@example.com,\nBad Mail,nope,\n\nAlso Good,a@example.com,\n",
			[]string{"Good One", "Also Good"},
			[]string{"f.csv:3: empty name; row skipped", "f.csv:4: email: invalid address \"nope\": mail: missing '@' or angle-addr; row skipped"}},
		{"bad personal address ignored, row kept", Staff, "name,email,personal_emails\nAnn Bee,a@s.sch.uk,not an address;ok@gmail.com\n",
			[]string{"Ann Bee"}, []string{"f.csv:2: personal_emails: invalid address \"not an address\": mail: no angle-addr; address ignored"}},
		{"missing email column", Staff, "name,mail\nAnn,a@b.c\n", nil, []string{"f.csv:1: no \"email\" column in the header (want at least name,email)"}},
		{"empty file", Pupil, "", nil, []string{"f.csv: empty file (want a header row: name,email,year_group)"}},
		{"display-name address refused", Pupil, "name,email\nA B,A B <a@b.sch.uk>\n", nil, []string{"f.csv:2: email: invalid address \"A B <a@b.sch.uk>\": want a bare local@domain; row skipped"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			people, warns := ReadCSV(strings.NewReader(tc.in), "f.csv", tc.kind)
			var names, ws []string
			for _, p := range people {
				names = append(names, p.Name)
			}
			for _, w := range warns {
				ws = append(ws, w.String())
			}
			if !slices.Equal(names, tc.wantNames) || !slices.Equal(ws, tc.wantWarns) {
				t.Errorf("ReadCSV(%q) = %q, warnings %q; want %q, %q", tc.in, names, ws, tc.wantNames, tc.wantWarns)
			}
		})
	}
}

func TestReadCSVFields(t *testing.T) {
	t.Parallel()
	people, _ := ReadCSV(strings.NewReader("Name,Email,Personal_Emails,Role\nAnn Bee,A.B@S.sch.uk,ann@gmail.com; ANN2@hotmail.com,Head\n"), "s.csv", Staff)
	if len(people) != 1 {
		t.Fatalf("got %d people, want 1", len(people))
	}
	p := people[0]
	if p.Email != "a.b@s.sch.uk" || !slices.Equal(p.PersonalEmails, []string{"ann@gmail.com", "ann2@hotmail.com"}) || p.Role != "Head" || p.Source != "s.csv:2" {
		t.Errorf("person = %+v", p)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("name,email,personal_emails,role\nA B,a@b.sch.uk,x@gmail.com;y@hotmail.com,Head\n", 0)
	f.Add("\ufeffName,E-mail,Children\n\"Smith, Jo\",jo@example.com,\"Kid A; Kid B\"\n", 2)
	f.Add("name,email\n\"unterminated,a@b.c\n", 1)
	f.Fuzz(func(t *testing.T, in string, k int) {
		kind := []Kind{Staff, Pupil, Parent}[((k%3)+3)%3]
		people, warns := ReadCSV(strings.NewReader(in), "f.csv", kind)
		for _, p := range people {
			if p.Name == "" || !strings.Contains(p.Email, "@") || p.Kind != kind {
				t.Errorf("bad person %+v from %q", p, in)
			}
		}
		for _, w := range warns {
			if w.File != "f.csv" || w.Reason == "" {
				t.Errorf("bad warning %+v", w)
			}
		}
	})
}

// fixtureDirectory loads testdata/directory/lychgate.toml.
func fixtureDirectory(t *testing.T, opts ...Option) *Directory {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "testdata", "directory", "lychgate.toml"))
	if err != nil {
		t.Fatalf("load fixture config: %v", err)
	}
	return New(cfg, opts...)
}

func TestDirectoryFromCSV(t *testing.T) {
	t.Parallel()
	d := fixtureDirectory(t)
	var ws []string
	for _, w := range d.Warnings() {
		ws = append(ws, w.String())
	}
	wantWarns := []string{
		`staff.csv:5: email: invalid address "not-an-address": mail: missing '@' or angle-addr; row skipped`,
		`staff.csv:6: empty name; row skipped`,
	}
	if !slices.Equal(ws, wantWarns) {
		t.Errorf("Warnings() = %q, want %q", ws, wantWarns)
	}
	cases := []struct {
		name       string
		addr       string
		wantSchool string
		wantGroups []string
	}{
		{"staff", "Jane.Smith@stlaurence.example.sch.uk", "stlaurence", []string{"staff"}},
		{"pupil", "amy.jones@stlaurence.example.sch.uk", "stlaurence", []string{"pupils"}},
		{"parent on gmail, dots and plus ignored", "sarah.jones.77+school@googlemail.com", "stlaurence", []string{"parents"}},
		{"parent on hotmail", "D.Okafor@hotmail.co.uk", "stlaurence", []string{"parents"}},
		{"staff personal address is not staff", "tombaker1970@hotmail.co.uk", "", nil},
		{"skipped row", "nobody@stlaurence.example.sch.uk", "stlaurence", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, g := d.Lookup(tc.addr)
			if s != tc.wantSchool || !slices.Equal(g, tc.wantGroups) {
				t.Errorf("Lookup(%q) = %q %v, want %q %v", tc.addr, s, g, tc.wantSchool, tc.wantGroups)
			}
		})
	}
	t.Run("personal addresses", func(t *testing.T) {
		t.Parallel()
		got := d.PersonalAddresses("stlaurence", "t.baker@stlaurence.example.sch.uk")
		if want := []string{"tombaker1970@hotmail.co.uk", "tb.home@btinternet.com"}; !slices.Equal(got, want) {
			t.Errorf("PersonalAddresses = %q, want %q", got, want)
		}
		if p, ok := d.StaffByPersonal("stlaurence", "TB.Home@btinternet.com"); !ok || p.Email != "t.baker@stlaurence.example.sch.uk" {
			t.Errorf("StaffByPersonal = %+v %v", p, ok)
		}
	})
	t.Run("children", func(t *testing.T) {
		t.Parallel()
		kids := d.Children("stlaurence", "sarah.jones77@gmail.com")
		if len(kids) != 1 || kids[0].Email != "amy.jones@stlaurence.example.sch.uk" || kids[0].YearGroup != "Year 5" {
			t.Errorf("Children = %+v", kids)
		}
	})
	t.Run("match staff by name", func(t *testing.T) {
		t.Parallel()
		m, ok := d.MatchStaff("stlaurence", "jane.smith84@gmail.com", "Jane Smith", 0.85)
		if !ok || m.Person.Name != "Jane Smith" || m.Score < 0.95 {
			t.Errorf("MatchStaff = %+v %v", m, ok)
		}
		if m, ok := d.MatchStaff("stlaurence", "msmith@yahoo.co.uk", "Mark Smith", 0.85); ok {
			t.Errorf("MatchStaff(Mark Smith) = %+v, want no match", m)
		}
	})
}

func TestPersonalDomains(t *testing.T) {
	t.Parallel()
	d := fixtureDirectory(t)
	cases := []struct {
		domain string
		want   bool
	}{
		{"gmail.com", true}, {"GMAIL.com.", true}, {"btinternet.com", true}, {"talktalk.net", true},
		{"fixtures-isp.example", true}, // [personal_domains] add
		{"stlaurence.example.sch.uk", false}, {"craftsupplies.example.com", false}, {"", false},
	}
	for _, tc := range cases {
		t.Run(tc.domain, func(t *testing.T) {
			t.Parallel()
			if got := d.IsPersonalDomain(tc.domain); got != tc.want {
				t.Errorf("IsPersonalDomain(%q) = %v, want %v", tc.domain, got, tc.want)
			}
		})
	}
	t.Run("remove and own domain", func(t *testing.T) {
		t.Parallel()
		cfg := config.Default()
		cfg.Schools = []config.School{{ID: "a", Domains: []string{"gmail.com"}}}
		cfg.PersonalDomains.Remove = []string{"hotmail.com"}
		d := New(cfg)
		if d.IsPersonalDomain("gmail.com") || d.IsPersonalDomain("hotmail.com") || !d.IsPersonalDomain("yahoo.co.uk") {
			t.Errorf("own/removed domains: gmail %v hotmail %v yahoo.co.uk %v", d.IsPersonalDomain("gmail.com"), d.IsPersonalDomain("hotmail.com"), d.IsPersonalDomain("yahoo.co.uk"))
		}
	})
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	d := fixtureDirectory(t)
	cases := []struct{ in, want string }{
		{"Jane.Smith84@GoogleMail.com", "janesmith84@gmail.com"},
		{"j.s+news@gmail.com", "js@gmail.com"},
		{"a.b+x@hotmail.co.uk", "a.b@hotmail.co.uk"},
		{"a.b+x@example.org", "a.b+x@example.org"},
		{"t.baker+trips@stlaurence.example.sch.uk", "t.baker@stlaurence.example.sch.uk"},
		{"no-at-sign", "no-at-sign"},
		{"js@gmail.com", "js@gmail.com"},
		{"+x@gmail.com", "+x@gmail.com"},
		{"a.b@googlemail.com", "ab@gmail.com"},
		{" A.B+x@Example.ORG. ", "a.b+x@example.org"},
		{"t.baker@stlaurence.example.sch.uk", "t.baker@stlaurence.example.sch.uk"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := d.Canonical(tc.in); got != tc.want {
				t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCanonicalNoCopy: an address that is already canonical comes back as
// it is, uncopied (the relay canonicalises every sender and recipient of
// every message). Not parallel: AllocsPerRun needs the test alone.
func TestCanonicalNoCopy(t *testing.T) {
	d := fixtureDirectory(t)
	for _, addr := range []string{"js@gmail.com", "a.b+x@example.org", "t.baker@stlaurence.example.sch.uk"} {
		if n := testing.AllocsPerRun(100, func() { _ = d.Canonical(addr) }); n != 0 {
			t.Errorf("Canonical(%q) allocates %v times, want 0", addr, n)
		}
	}
}

func TestNameScore(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, addr, display string
		min, max            float64
	}{
		{"Jane Smith", "jane.smith84@gmail.com", "", 0.9, 0.9},
		{"Jane Smith", "jsmith@hotmail.com", "", 0.6, 0.6},
		{"Jane Smith", "smithjane@yahoo.co.uk", "", 0.85, 0.85},
		{"Jane Smith", "xyz@gmail.com", "Jane Smith", 0.95, 0.95},
		{"Smith, Jane", "jane_smith@gmail.com", "Mrs Jane Smith", 1, 1},
		{"Jane Smith", "janes@gmail.com", "", 0.5, 0.5},
		{"Jane Smith", "smithy1@gmail.com", "", 0.3, 0.3},
		{"Jane Smith", "mark.jones@gmail.com", "Mark Jones", 0, 0},
		{"Zoë Brontë", "zoe.bronte@gmail.com", "", 0.9, 0.9},
		{"Cher", "cher@gmail.com", "Cher", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/"+tc.addr, func(t *testing.T) {
			t.Parallel()
			got := NameScore(tc.name, tc.addr, tc.display)
			if got.Score < tc.min-1e-9 || got.Score > tc.max+1e-9 {
				t.Errorf("NameScore(%q, %q, %q) = %+v, want %.2f..%.2f", tc.name, tc.addr, tc.display, got, tc.min, tc.max)
			}
		})
	}
}

func TestReloadOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	staff := filepath.Join(dir, "staff.csv")
	write := func(s string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(staff, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(staff, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour)
	write("name,email\nAnn Bee,ann@a.sch.uk\n", t0)
	cfg := config.Default()
	cfg.Dir = dir
	cfg.Schools = []config.School{{ID: "a", Domains: []string{"a.sch.uk"}, Directory: config.Directory{Staff: "staff.csv"}}}
	d := New(cfg, WithReloadInterval(0))
	if g := d.Groups("a", "ann@a.sch.uk"); !slices.Equal(g, []string{"staff"}) {
		t.Fatalf("before: Groups = %v", g)
	}
	write("name,email\nCat Dee,cat@a.sch.uk\nbad\n", t0.Add(time.Minute))
	if g := d.Groups("a", "ann@a.sch.uk"); g != nil {
		t.Errorf("after: Groups(ann) = %v, want none", g)
	}
	if g := d.Groups("a", "cat@a.sch.uk"); !slices.Equal(g, []string{"staff"}) {
		t.Errorf("after: Groups(cat) = %v, want staff", g)
	}
	if w := d.Warnings(); len(w) != 1 || w[0].Line != 3 {
		t.Errorf("after: Warnings = %v, want one at line 3", w)
	}
	if err := os.Remove(staff); err != nil {
		t.Fatal(err)
	}
	if w := d.Warnings(); len(w) != 1 || !strings.Contains(w[0].Reason, "cannot read") {
		t.Errorf("removed: Warnings = %v, want cannot read", w)
	}
}
