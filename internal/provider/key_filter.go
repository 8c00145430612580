package provider

import (
	"regexp"
	"slices"
	"strings"
	"time"

	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/duration"
)

// The key filters of the circularo_api_keys data source and the circularo_api_key list resource: one
// set of attributes, one parser and one matcher, so that a filter means the same in `terraform plan`
// and in `terraform query`.

// keyFilterModel holds the filter attributes as configured. It is the list resource's whole
// configuration; the data source's model embeds it beside its results (the framework reads the fields
// of an embedded struct as its own).
type keyFilterModel struct {
	DescriptionRegex types.String `tfsdk:"description_regex"`
	APIKeyType       types.String `tfsdk:"api_key_type"`
	UnusedFor        types.String `tfsdk:"unused_for"`
	OlderThan        types.String `tfsdk:"older_than"`
}

// keyFilterAttribute is one filter attribute, whatever the kind of schema it appears in.
type keyFilterAttribute struct {
	description string
	validators  []validator.String
}

func keyFilterAttributes() map[string]keyFilterAttribute {
	return map[string]keyFilterAttribute{
		"description_regex": {
			description: "Only keys whose description matches this regular expression " +
				"([RE2 syntax](https://github.com/google/re2/wiki/Syntax), unanchored: use `^...$` to match whole descriptions).",
			validators: []validator.String{regexValidator()},
		},
		"api_key_type": {
			description: "Only keys of this type, such as `generic`.",
		},
		"unused_for": {
			description: "Only keys not used for at least this long, such as `90d`, `2160h` or `36h30m` " +
				"(units: `w`, `d`, `h`, `m`, `s`). A key that was never used has been unused since it was created: " +
				"it matches once it was created at least this long ago, so a key made yesterday for an integration " +
				"that has not started yet is not listed as unused for `90d`.",
			validators: []validator.String{durationValidator()},
		},
		"older_than": {
			description: "Only keys created at least this long ago, in the same form as `unused_for`.",
			validators:  []validator.String{durationValidator()},
		},
	}
}

// dataSourceKeyFilterAttributes are the filter attributes in a data source schema.
func dataSourceKeyFilterAttributes() map[string]dsschema.Attribute {
	out := map[string]dsschema.Attribute{}
	for name, a := range keyFilterAttributes() {
		out[name] = dsschema.StringAttribute{MarkdownDescription: a.description, Optional: true, Validators: a.validators}
	}
	return out
}

// listKeyFilterAttributes are the filter attributes in a list resource's config schema.
func listKeyFilterAttributes() map[string]listschema.Attribute {
	out := map[string]listschema.Attribute{}
	for name, a := range keyFilterAttributes() {
		out[name] = listschema.StringAttribute{MarkdownDescription: a.description, Optional: true, Validators: a.validators}
	}
	return out
}

// keyFilter holds the filters, parsed once.
type keyFilter struct {
	description *regexp.Regexp
	keyType     string
	lastUsedBy  time.Time // keys used (or, never used, created) after this are excluded; zero when unused_for is unset
	createdBy   time.Time // keys created after this are excluded; zero when older_than is unset
}

func newKeyFilter(m keyFilterModel, now time.Time) (keyFilter, error) {
	var f keyFilter
	if s := m.DescriptionRegex.ValueString(); s != "" {
		re, err := regexp.Compile(s)
		if err != nil {
			return f, err
		}
		f.description = re
	}
	f.keyType = m.APIKeyType.ValueString()
	if s := m.UnusedFor.ValueString(); s != "" {
		d, err := duration.Parse(s)
		if err != nil {
			return f, err
		}
		f.lastUsedBy = now.Add(-d)
	}
	if s := m.OlderThan.ValueString(); s != "" {
		d, err := duration.Parse(s)
		if err != nil {
			return f, err
		}
		f.createdBy = now.Add(-d)
	}
	return f, nil
}

func (f keyFilter) matches(k client.APIKey) bool {
	if f.description != nil && !f.description.MatchString(k.Description) {
		return false
	}
	if f.keyType != "" && k.Type != f.keyType {
		return false
	}
	if !f.lastUsedBy.IsZero() && unusedSince(k).After(f.lastUsedBy) {
		return false
	}
	if !f.createdBy.IsZero() && k.Created.After(f.createdBy) {
		return false
	}
	return true
}

// unusedSince is when the key's current stretch without use began: its last use, or, for a key never
// used, its creation. "Unused for 90 days" promises a key that has existed for 90 days without a use; a
// key handed out yesterday to an integration that has not deployed yet is not stale.
func unusedSince(k client.APIKey) time.Time {
	if k.LastUsed != nil {
		return *k.LastUsed
	}
	return k.Created
}

// apply returns the matching keys sorted by creation time, then fingerprint, so that the list is
// stable between runs.
func (f keyFilter) apply(keys []client.APIKey) []client.APIKey {
	out := make([]client.APIKey, 0, len(keys))
	for _, k := range keys {
		if f.matches(k) {
			out = append(out, k)
		}
	}
	slices.SortStableFunc(out, func(a, b client.APIKey) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint(), b.Fingerprint())
	})
	return out
}
