package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/duration"
)

// stringCheck is a string validator built from a description and a check; the framework's
// validators package has no "parses as" validator for our formats.
type stringCheck struct {
	description string
	check       func(string) error
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.description, fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

var _ validator.String = stringCheck{}

func durationValidator() validator.String {
	return stringCheck{description: "duration (such as 90d, 36h30m or 30s)", check: func(s string) error {
		_, err := duration.Parse(s)
		return err
	}}
}

func baseURLValidator() validator.String {
	return stringCheck{description: "URL (absolute http:// or https://)", check: func(s string) error {
		_, err := client.ParseBaseURL(s)
		return err
	}}
}

func apiPathValidator() validator.String {
	return stringCheck{description: "API path (starting with a slash)", check: client.ValidateAPIPath}
}

func regexValidator() validator.String {
	return stringCheck{description: "regular expression (RE2 syntax)", check: func(s string) error {
		_, err := regexp.Compile(s)
		return err
	}}
}
