package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

var _ function.Function = (*fingerprintFunction)(nil)

// NewFingerprintFunction returns provider::circularo::fingerprint.
func NewFingerprintFunction() function.Function { return &fingerprintFunction{} }

// fingerprintFunction names a key by its value without the API: the fingerprint that the provider
// uses everywhere (client.Fingerprint, the one definition), for a responder who holds a leaked value.
type fingerprintFunction struct{}

func (f *fingerprintFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "fingerprint"
}

func (f *fingerprintFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The fingerprint of an API key's value",
		MarkdownDescription: "Returns the fingerprint of an API key's value: `sha256:` followed by the first 16 hex digits " +
			"of the SHA-256 of the value, the form in which the provider names keys everywhere (the `circularo_api_keys` " +
			"data source's `fingerprints`, the `circularo_api_key` resource's `id` and import ID, the " +
			"`circularo_revoke_api_keys` action's `fingerprints`). It is computed locally: no API call, and the " +
			"value goes nowhere else. Use it when you hold a key's value, for example one that leaked, and need its " +
			"fingerprint for an `import` block, a `check` block or the action.\n\n" +
			"The result carries the argument's marks: the fingerprint of a `sensitive` value is sensitive, and " +
			"that of an `ephemeral` value is ephemeral. A fingerprint reveals nothing usable about the value, so " +
			"`nonsensitive()` around the call is safe. A value with white space around it, an empty value and a " +
			"value that is already a fingerprint are errors (a key's value is alphanumeric); the error never shows " +
			"the value. It works wherever the provider does (provider-defined functions need Terraform 1.8 and OpenTofu 1.7, " +
			"below the provider's own minimum).",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "value",
				MarkdownDescription: "The API key's value (its token). Read it from a file outside the configuration " +
					"with `file()`, never a literal; a `sensitive` variable works too, but Terraform writes every variable " +
					"that is not ephemeral into a saved plan (see the guide \"Revoking a leaked API key\").",
			},
		},
		Return: function.StringReturn{},
	}
}

func (f *fingerprintFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var value string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &value))
	if resp.Error != nil {
		return
	}
	if err := checkKeyValue(value); err != "" {
		resp.Error = function.NewArgumentFuncError(0, err)
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, client.Fingerprint(value)))
}

// checkKeyValue says what is wrong with a string given as a key's value, or "". It never repeats
// the value: it may be a secret.
func checkKeyValue(value string) string {
	switch {
	case value == "":
		return "The value is empty: it must be an API key's value (its token). A variable that was not set " +
			"may be the cause."
	case strings.TrimSpace(value) != value:
		return "The value has white space around it (not shown here: a key's value is a secret), which no API " +
			"key's value has. Trim it, for example with trimspace()."
	case client.IsFingerprint(strings.ToLower(value)):
		return "The value is a fingerprint already, not an API key's value: use it as it is."
	}
	return ""
}
