package doccheck

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The provider page's version table (templates/index.md.tmpl, between the markers below) is the one
// record of which Terraform and OpenTofu each feature needs. README.md carries the same table. Every
// other claim of a minimum version ("Terraform 1.14 and later", "1.12+", "or later", a
// required_version) in README.md, CHANGELOG.md, templates/, examples/ and the generated docs/ (where the
// schema descriptions land) must agree with it: a claim
// in a sentence that names a feature of the table must be that feature's minimum, any other claim the
// provider's own minimum.

const (
	tableBegin = "<!-- versions:begin -->"
	tableEnd   = "<!-- versions:end -->"
)

// versionRow is one feature of the table: the minimum Terraform and OpenTofu ("no" when it has none),
// and the words that name the feature in a sentence (nil for the first row, the provider itself).
type versionRow struct {
	feature   string
	terraform string
	opentofu  string
	keywords  *regexp.Regexp
}

// featureKeywords names each row's feature in prose, by the row's position in the table.
var featureKeywords = []string{
	"",             // the provider
	`\bidentity\b`, // resource identity
	`terraform query|list resource|-generate-config-out|tfquery|list-resources/`,   // the list resource
	`\baction\b|-invoke|revoke_api_keys`,                                           // the action
	`before_destroy|\bcaller\b`,                                                    // the action on before_destroy
	`inside (a )?modules?|(in|of) modules|adopt-keys-in-module|module that adopts`, // import blocks in modules
	`destroy = false`, // lifecycle { destroy = false }
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readTable returns the rows of the version table in file, in order.
func readTable(t *testing.T, file string) []versionRow {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	begin, end := strings.Index(text, tableBegin), strings.Index(text, tableEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s has no version table between %s and %s", file, tableBegin, tableEnd)
	}
	var rows []versionRow
	for _, line := range strings.Split(text[begin+len(tableBegin):end], "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") || strings.TrimSpace(cells[0]) == "Feature" {
			continue
		}
		rows = append(rows, versionRow{
			feature:   strings.TrimSpace(cells[0]),
			terraform: strings.TrimSpace(cells[1]),
			opentofu:  strings.TrimSpace(cells[2]),
		})
	}
	return rows
}

// minimumClaim finds claims of a minimum version: "Terraform 1.14 and later", "OpenTofu 1.12 or
// later", "Terraform 1.12+", "(Terraform 1.16 and OpenTofu 1.12)" is not one (no "later" or "+").
var minimumClaim = regexp.MustCompile(`\b(Terraform|OpenTofu)( v?)(1\.[0-9]+)(\+| and later| or later| or newer|\.[0-9x]+\+)`)

// requiredVersion finds a required_version constraint's lower bound.
var requiredVersion = regexp.MustCompile(`required_version\s*=\s*"\s*>=\s*(1\.[0-9]+)`)

func TestVersionClaimsAgreeWithTheProviderPage(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	table := readTable(t, filepath.Join(root, "templates", "index.md.tmpl"))
	if len(table) != len(featureKeywords) {
		t.Fatalf("the provider page's version table has %d rows, featureKeywords %d: keep them in step", len(table), len(featureKeywords))
	}
	for i := range table {
		if featureKeywords[i] != "" {
			table[i].keywords = regexp.MustCompile(featureKeywords[i])
		}
		for _, v := range []string{table[i].terraform, table[i].opentofu} {
			if v != "no" && !regexp.MustCompile(`^1\.[0-9]+$`).MatchString(v) {
				t.Errorf("version table, %q: %q is neither a version such as 1.14 nor \"no\"", table[i].feature, v)
			}
		}
	}
	if readme := readTable(t, filepath.Join(root, "README.md")); !slices.EqualFunc(readme, table, func(a, b versionRow) bool {
		return a.feature == b.feature && a.terraform == b.terraform && a.opentofu == b.opentofu
	}) {
		t.Errorf("README.md's version table differs from the provider page's (templates/index.md.tmpl):\n%v\nwant\n%v", readme, table)
	}

	var files []string
	for _, f := range []string{"README.md", "CHANGELOG.md"} {
		files = append(files, filepath.Join(root, f))
	}
	for _, dir := range []string{"templates", "examples", "docs"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".tmpl") || strings.HasSuffix(path, ".tf") ||
				strings.HasSuffix(path, ".hcl") || strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".sh")) {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	claims := 0
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		for _, s := range sentences(t, file) {
			for _, m := range minimumClaim.FindAllStringSubmatch(s.text, -1) {
				claims++
				product, version := m[1], m[3]
				want, named := wantVersion(table, s.text, filepath.ToSlash(rel), product)
				if len(want) != 1 || want[0] != version {
					t.Errorf("%s:%d: %q claims %s %s, but the provider page's table gives %s for %s; one claim per "+
						"minimum (split a sentence with features of different minimums):\n    %s",
						rel, s.line, m[0], product, version, strings.Join(want, " and "), strings.Join(named, ", "), s.text)
				}
			}
			for _, m := range requiredVersion.FindAllStringSubmatch(s.text, -1) {
				claims++
				if !slices.ContainsFunc(table, func(r versionRow) bool { return r.terraform == m[1] }) {
					t.Errorf("%s:%d: required_version >= %s is no minimum of the provider page's table", rel, s.line, m[1])
				} else if less(m[1], table[0].terraform) {
					t.Errorf("%s:%d: required_version >= %s is below the provider's own minimum, Terraform %s", rel, s.line, m[1], table[0].terraform)
				}
			}
		}
	}
	if claims < 10 {
		t.Errorf("found only %d version claims: the patterns no longer match the documents", claims)
	}
}

// narrows says which row a more specific row narrows: the action on before_destroy (row 4) is an
// action (row 3), and a sentence about it names both.
var narrows = map[int]int{4: 3}

// wantVersion returns the distinct minimum versions of product for the features that sentence names
// (the rows' names too): one, when the sentence is consistent. A sentence that names no feature is
// about what its file's path names (docs/actions/revoke_api_keys.md), else about the provider itself.
func wantVersion(table []versionRow, sentence, path, product string) (versions, named []string) {
	match := func(text string) map[int]bool {
		rows := map[int]bool{}
		for i, r := range table[1:] {
			if r.keywords.MatchString(text) {
				rows[i+1] = true
			}
		}
		for specific, general := range narrows {
			if rows[specific] {
				delete(rows, general)
			}
		}
		return rows
	}
	rows := match(sentence)
	if len(rows) == 0 {
		rows = match(path)
	}
	if len(rows) == 0 {
		rows[0] = true
	}
	for i := range table {
		if rows[i] {
			named = append(named, table[i].feature)
			if v := table[i].version(product); !slices.Contains(versions, v) {
				versions = append(versions, v)
			}
		}
	}
	return versions, named
}

func (r versionRow) version(product string) string {
	if product == "OpenTofu" {
		return r.opentofu
	}
	return r.terraform
}

func less(a, b string) bool {
	var am, an, bm, bn int
	_, _ = fmt.Sscanf(a, "%d.%d", &am, &an) // both are checked to be such versions
	_, _ = fmt.Sscanf(b, "%d.%d", &bm, &bn)
	return am < bm || am == bm && an < bn
}

type sentence struct {
	line int
	text string
}

// sentences splits file into sentences: paragraphs (or comment blocks, or list items) joined into
// one line, then cut after ". ", so that a claim and the feature it is about are seen together.
func sentences(t *testing.T, file string) []sentence {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sentence
	var para []string
	start := 0
	flush := func() {
		text := strings.Join(para, " ")
		for _, s := range regexp.MustCompile(`[.;] +`).Split(text, -1) {
			if strings.TrimSpace(s) != "" {
				out = append(out, sentence{line: start, text: s})
			}
		}
		para = nil
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimLeft(line, "#/"))
		if line == "" || strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "|") {
			flush()
			if line == "" {
				continue
			}
		}
		if len(para) == 0 {
			start = n
		}
		para = append(para, line)
		if strings.HasPrefix(line, "|") {
			flush()
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
