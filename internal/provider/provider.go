// Package provider implements the circularo Terraform provider: schemas, CRUD and diagnostics.
// It never builds URLs or parses JSON: that is the client package's work.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/duration"
)

var (
	_ provider.Provider                       = (*circularoProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*circularoProvider)(nil)
	_ provider.ProviderWithActions            = (*circularoProvider)(nil)
	_ provider.ProviderWithListResources      = (*circularoProvider)(nil)
	_ provider.ProviderWithFunctions          = (*circularoProvider)(nil)
)

// Environment variables read when the matching attribute is not set.
const (
	envURL        = "CIRCULARO_URL"
	envAPIPath    = "CIRCULARO_API_PATH"
	envUsername   = "CIRCULARO_USERNAME"
	envPassword   = "CIRCULARO_PASSWORD"
	envTenant     = "CIRCULARO_TENANT"
	envTOTPSecret = "CIRCULARO_TOTP_SECRET"
	envToken      = "CIRCULARO_TOKEN"
)

const (
	defaultRevocationWarningWindow = 24 * time.Hour
	maxRetriesLimit                = 10
)

// options are what Serve and tests pass in; New uses the zero value.
type options struct {
	now        func() time.Time // the clock for rotation, staleness filters and TOTP codes
	httpClient *http.Client
	// lookupEnv reads the CIRCULARO_* variables (nil: os.LookupEnv), so that a test hands the provider
	// its own environment instead of changing the process's, and tests can run side by side.
	lookupEnv func(string) (string, bool)
	// sessions collects the sessions Configure opens, for Serve to log out at exit (nil: none).
	sessions *sessionRegistry
	// retryWait bounds the backoff between retries (zero: the client's defaults), so that fault
	// tests need not wait seconds per retry. A Retry-After header is still honoured as sent.
	retryWaitMin, retryWaitMax time.Duration
	// totpStepDir holds the per-account records of TOTP time steps that the provider processes of the
	// machine share (empty: <user cache dir>/terraform-provider-circularo/totp-steps, or none when
	// there is no cache directory); waitUntil waits for a time step (nil: a timer on the real clock),
	// so that tests on a fake clock move it instead.
	totpStepDir string
	waitUntil   func(ctx context.Context, t time.Time) error
}

type circularoProvider struct {
	version string
	opts    options
}

// New returns the provider with production's options (the zero options), as Serve, which main runs,
// builds it through newWithOptions; the protocol-level tests of server_test.go serve it. Tests that
// control a clock or an environment use serverFactory (env_test.go) with their options.
func New(version string) func() provider.Provider {
	return newWithOptions(version, options{})
}

func newWithOptions(version string, opts options) func() provider.Provider {
	if opts.now == nil {
		opts.now = time.Now
	}
	if opts.lookupEnv == nil {
		opts.lookupEnv = os.LookupEnv
	}
	if opts.totpStepDir == "" {
		// No cache directory (no $HOME): each process then knows only its own TOTP steps.
		if dir, err := os.UserCacheDir(); err == nil {
			opts.totpStepDir = filepath.Join(dir, "terraform-provider-circularo", "totp-steps")
		}
	}
	return func() provider.Provider {
		return &circularoProvider{version: version, opts: opts}
	}
}

// providerData is what Configure hands to every resource, data source and ephemeral resource.
type providerData struct {
	// unknown names the provider block's attributes that are known only after apply; session is then
	// nil, and requireConfigured reports them to every operation that needs the API.
	unknown                 []string
	session                 *client.Session
	revocationWarningWindow time.Duration
	// revocationReviewErrors: revocation_review = "error", the review's findings fail the plan unless
	// the revocation is approved (see reviewRevocation).
	revocationReviewErrors bool
	now                    func() time.Time
}

type providerModel struct {
	URL                     types.String `tfsdk:"url"`
	APIPath                 types.String `tfsdk:"api_path"`
	Username                types.String `tfsdk:"username"`
	Password                types.String `tfsdk:"password"`
	Tenant                  types.String `tfsdk:"tenant"`
	TOTPSecret              types.String `tfsdk:"totp_secret"`
	Token                   types.String `tfsdk:"token"`
	RequestTimeout          types.String `tfsdk:"request_timeout"`
	MaxRetries              types.Int64  `tfsdk:"max_retries"`
	RevocationWarningWindow types.String `tfsdk:"revocation_warning_window"`
	RevocationReview        types.String `tfsdk:"revocation_review"`
}

func (p *circularoProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "circularo"
	resp.Version = p.version
}

func (p *circularoProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	tokenConflicts := stringvalidator.ConflictsWith(path.MatchRoot("username"), path.MatchRoot("password"), path.MatchRoot("totp_secret"))
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages Circularo API tokens: audit them with a data source, own their lifecycle with a " +
			"resource, and review every revocation in `terraform plan`. Authenticate with `username` and `password` " +
			"(plus `totp_secret` when the account enforces MFA), or with an existing `token`.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Base URL of your Circularo host, such as `https://example.circularo.com`. "+
					"Defaults to the `%s` environment variable, then to `%s`, the public sandbox: the provider then warns "+
					"in every plan, since your credentials go to a host the configuration does not name.", envURL, client.DefaultURL),
				Optional:   true,
				Validators: []validator.String{baseURLValidator()},
			},
			"api_path": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Path of the REST API on that host. Defaults to the `%s` environment "+
					"variable, then to `%s`.", envAPIPath, client.DefaultAPIPath),
				Optional:   true,
				Validators: []validator.String{apiPathValidator()},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Login name or e-mail to log in with. Defaults to the `%s` environment "+
					"variable. Requires `password`; conflicts with `token`.", envUsername),
				Optional: true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Password for `username`. Defaults to the `%s` environment variable.", envPassword),
				Optional:            true,
				Sensitive:           true,
			},
			"tenant": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Tenant to log in to. Normally the host selects the tenant: set this only "+
					"when your administrator says so. Defaults to the `%s` environment variable.", envTenant),
				Optional: true,
			},
			"totp_secret": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Base32 TOTP secret (RFC 6238, as shown when enrolling an authenticator "+
					"app) for accounts that enforce multi-factor authentication: the provider computes the code itself. "+
					"Defaults to the `%s` environment variable.", envTOTPSecret),
				Optional:  true,
				Sensitive: true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("An existing API token or session token, used as is instead of logging in. "+
					"The provider never logs it out. Defaults to the `%s` environment variable. Conflicts with `username`, "+
					"`password` and `totp_secret`; when one way to authenticate is set in the provider block and the other "+
					"in the environment, the block wins.", envToken),
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{tokenConflicts},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Longest time one API call may take, retries included, such as `30s` or `2m`. Defaults to `30s`.",
				Optional:            true,
				Validators:          []validator.String{durationValidator()},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a call is retried after throttling (429), a gateway error "+
					"(502, 503, 504) or a connection failure, with exponential backoff. Defaults to `%d`; at most %d.",
					client.DefaultMaxRetries, maxRetriesLimit),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, maxRetriesLimit)},
			},
			"revocation_warning_window": schema.StringAttribute{
				MarkdownDescription: "A plan that revokes a key used more recently than this, or made more recently and " +
					"never used, warns (or fails, with `revocation_review = \"error\"`), naming the key, because something " +
					"may still depend on it. Such as `24h` or `7d`; `0s` turns the review off. Defaults to `24h`.",
				Optional:   true,
				Validators: []validator.String{durationValidator()},
			},
			"revocation_review": schema.StringAttribute{
				MarkdownDescription: "What a plan does when it revokes a key that was used within " +
					"`revocation_warning_window`, or made within it and never used: `warn` (the default) shows a " +
					"warning naming the key; `error` makes the same text an error that fails the plan, on every path " +
					"that revokes a key (destroy, replacement, rotation, a removed block, the " +
					"`circularo_revoke_api_keys` action). To let one such revocation proceed, name the key's " +
					"fingerprint in `approve_revocation_of` of the resource or the action that revokes it: the " +
					"approval is in the configuration and the plan, and approves that one key only. " +
					"`revocation_warning_window = \"0s\"` turns the review off in both modes.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(revocationReviewWarn, revocationReviewError)},
			},
		},
	}
}

func (p *circularoProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	settings := resolveSettings(cfg, p.opts.lookupEnv, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(settings.unknown) > 0 {
		// Terraform configures every provider block in every plan, a destroy plan included, where the
		// block may serve nothing that calls Circularo. A value known only after apply (the ephemeral
		// circularo_api_key of a key this configuration creates, replaces or, in a destroy plan, is
		// planning to destroy) is therefore no error here: the first operation that needs the API
		// reports it, once, through requireConfigured.
		tflog.Debug(ctx, "Circularo provider configuration has values known only after apply", map[string]any{"unknown": settings.unknown})
		data := &providerData{unknown: settings.unknown, now: p.opts.now}
		resp.DataSourceData, resp.ResourceData, resp.EphemeralResourceData, resp.ActionData, resp.ListResourceData = data, data, data, data, data
		return
	}
	if settings.urlDefaulted {
		// Decided: warn. An unset url sends the credentials to the public sandbox, a host the user did not
		// name; a production user who forgot CIRCULARO_URL in one job would otherwise see plans of
		// "no keys" or create keys in the wrong place without a word. A sandbox user silences it by
		// setting url to the sandbox's URL.
		resp.Diagnostics.AddAttributeWarning(path.Root("url"), summaryURLNotSet, fmt.Sprintf("Neither url nor %s is "+
			"set, so the provider logs in to, and manages the API keys of, the public sandbox %s. Set url (or %s) to "+
			"your Circularo host; to use the sandbox, set it to %s, which also silences this warning.",
			envURL, client.DefaultURL, envURL, client.DefaultURL))
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, nonEmpty(settings.creds.Password, settings.creds.Token, settings.creds.TOTPSecret)...)

	c := client.New(client.Config{
		BaseURL:        settings.baseURL,
		APIPath:        settings.apiPath,
		UserAgent:      fmt.Sprintf("terraform-provider-circularo/%s terraform/%s", p.version, req.TerraformVersion),
		RequestTimeout: settings.requestTimeout,
		MaxRetries:     settings.maxRetries,
		RetryWaitMin:   p.opts.retryWaitMin,
		RetryWaitMax:   p.opts.retryWaitMax,
		HTTPClient:     p.opts.httpClient,
		Logger:         tflogLogger{},
	})
	session := client.NewSession(c, settings.creds, p.opts.now)
	session.SetTOTPOptions(client.TOTPOptions{
		StepDir:   p.opts.totpStepDir,
		WaitUntil: p.opts.waitUntil,
		Notice: func(ctx context.Context, msg string, fields map[string]any) {
			tflog.Info(ctx, msg, fields) // a wait of up to a minute: visible at TF_LOG=INFO
		},
	})
	p.opts.sessions.register(session)
	tflog.Debug(ctx, "Configured the Circularo provider", map[string]any{
		"url": settings.url, "api_path": settings.apiPath, "auth": settings.authMode(),
	})

	data := &providerData{session: session, revocationWarningWindow: settings.revocationWarningWindow,
		revocationReviewErrors: settings.revocationReviewErrors, now: p.opts.now}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

type settings struct {
	unknown                 []string // attributes known only after apply: the rest is not checked
	url, apiPath            string
	urlDefaulted            bool     // neither url nor CIRCULARO_URL is set: url is the public sandbox
	baseURL                 *url.URL // url, parsed: set when resolveSettings reports no error
	creds                   client.Credentials
	requestTimeout          time.Duration
	maxRetries              int
	revocationWarningWindow time.Duration
	revocationReviewErrors  bool
}

func (s settings) authMode() string {
	if s.creds.Token != "" {
		return "token"
	}
	if s.creds.TOTPSecret != "" {
		return "password+totp"
	}
	return "password"
}

// resolveSettings merges configuration, environment and defaults, and reports every problem with the
// attribute it concerns and the environment variable that can set it. lookupEnv reads the environment.
func resolveSettings(cfg providerModel, lookupEnv func(string) (string, bool), resp *provider.ConfigureResponse) settings {
	var unknown []string
	str := func(v types.String, attr, env string) string {
		if v.IsUnknown() {
			unknown = append(unknown, attr)
			return ""
		}
		if !v.IsNull() {
			return v.ValueString()
		}
		value, _ := lookupEnv(env)
		return value
	}
	s := settings{
		url:     str(cfg.URL, "url", envURL),
		apiPath: str(cfg.APIPath, "api_path", envAPIPath),
		creds: client.Credentials{
			Username:   str(cfg.Username, "username", envUsername),
			Password:   str(cfg.Password, "password", envPassword),
			Tenant:     str(cfg.Tenant, "tenant", envTenant),
			TOTPSecret: str(cfg.TOTPSecret, "totp_secret", envTOTPSecret),
			Token:      str(cfg.Token, "token", envToken),
		},
		requestTimeout:          client.DefaultRequestTimeout,
		maxRetries:              client.DefaultMaxRetries,
		revocationWarningWindow: defaultRevocationWarningWindow,
	}
	// A way to authenticate set in the provider block wins over the other way set in the environment,
	// so that a block with token = ephemeral.circularo_session.x.token works where CIRCULARO_USERNAME
	// and CIRCULARO_PASSWORD are set for the default provider.
	loginInConfig := !cfg.Username.IsNull() || !cfg.Password.IsNull() || !cfg.TOTPSecret.IsNull()
	switch {
	case !cfg.Token.IsNull() && !loginInConfig:
		s.creds.Username, s.creds.Password, s.creds.TOTPSecret = "", "", ""
	case cfg.Token.IsNull() && loginInConfig:
		s.creds.Token = ""
	}
	for attr, v := range map[string]interface{ IsUnknown() bool }{
		"request_timeout": cfg.RequestTimeout, "max_retries": cfg.MaxRetries, "revocation_warning_window": cfg.RevocationWarningWindow,
	} {
		if v.IsUnknown() {
			unknown = append(unknown, attr)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		s.unknown = unknown
		return s
	}
	if s.url == "" {
		s.url, s.urlDefaulted = client.DefaultURL, true
	}
	if s.apiPath == "" {
		s.apiPath = client.DefaultAPIPath
	}
	// The one check of url and api_path at configure time: values from the environment skip the schema
	// validators (which report a bad value in the configuration earlier, under its line), and the client
	// takes them as checked here.
	base, err := client.ParseBaseURL(s.url)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid Circularo URL",
			fmt.Sprintf("url (or %s): %s.", envURL, err))
	}
	s.baseURL = base
	if err := client.ValidateAPIPath(s.apiPath); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("api_path"), "Invalid API path",
			fmt.Sprintf("api_path (or %s): %s.", envAPIPath, err))
	}
	s.requestTimeout = durationSetting(cfg.RequestTimeout, "request_timeout", s.requestTimeout, resp)
	s.revocationWarningWindow = durationSetting(cfg.RevocationWarningWindow, "revocation_warning_window", s.revocationWarningWindow, resp)
	if cfg.RevocationReview.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("revocation_review"), "Unknown value for revocation_review",
			"The provider cannot be configured with a value known only after apply.")
	}
	s.revocationReviewErrors = cfg.RevocationReview.ValueString() == revocationReviewError
	if s.requestTimeout == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request timeout",
			"request_timeout must be longer than zero, such as 30s.")
	}
	if !cfg.MaxRetries.IsNull() {
		s.maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	checkAuthentication(s.creds, resp)
	return s
}

func durationSetting(v types.String, attr string, def time.Duration, resp *provider.ConfigureResponse) time.Duration {
	if v.IsNull() {
		return def
	}
	d, err := duration.Parse(v.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Invalid duration", fmt.Sprintf("%s: %s.", attr, err))
		return def
	}
	return d
}

// checkAuthentication enforces exactly one way to authenticate: a token, or username and password.
func checkAuthentication(c client.Credentials, resp *provider.ConfigureResponse) {
	const howTo = "Set either token (or CIRCULARO_TOKEN), or username and password (or CIRCULARO_USERNAME and CIRCULARO_PASSWORD)."
	switch {
	case c.Token != "" && (c.Username != "" || c.Password != "" || c.TOTPSecret != ""):
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Conflicting authentication settings",
			"token (or CIRCULARO_TOKEN) is set together with username, password or totp_secret (or their "+
				"CIRCULARO_* environment variables). "+howTo)
	case c.Token != "":
	case c.Username == "" && c.Password == "":
		resp.Diagnostics.AddError("Missing Circularo credentials", "The provider has no way to authenticate. "+howTo)
	case c.Username == "":
		resp.Diagnostics.AddAttributeError(path.Root("username"), "Missing username",
			"password is set but username is not: set username or the CIRCULARO_USERNAME environment variable.")
	case c.Password == "":
		resp.Diagnostics.AddAttributeError(path.Root("password"), "Missing password",
			"username is set but password is not: set password or the CIRCULARO_PASSWORD environment variable.")
	}
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (p *circularoProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewAPIKeyResource, NewRotatingAPIKeyResource}
}

func (p *circularoProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewAPIKeysDataSource}
}

func (p *circularoProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewSessionEphemeralResource, NewAPIKeyEphemeralResource}
}

// Actions are served to Terraform 1.14 and later; older CLIs never ask for them.
func (p *circularoProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewRevokeAPIKeysAction}
}

// ListResources are served to Terraform 1.14 and later (terraform query); older CLIs never ask for them.
func (p *circularoProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewAPIKeyListResource}
}

// Functions are served to Terraform 1.8 and later and OpenTofu 1.7 and later.
func (p *circularoProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{NewFingerprintFunction}
}

// configuredData extracts the provider's data in a resource's or data source's Configure. It is nil
// before the provider is configured (the framework calls Configure early, for validation too).
func configuredData(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", v))
		return nil
	}
	return data
}

// requireConfigured reports an error when an operation runs on an unconfigured provider, or on a
// provider block whose settings are known only after apply (one error, naming them).
func requireConfigured(data *providerData, diags *diag.Diagnostics) bool {
	if data == nil {
		diags.AddError("Provider not configured",
			"The circularo provider was not configured before this operation; this is a bug in the provider.")
		return false
	}
	if len(data.unknown) > 0 {
		diags.AddError(summaryUnknownProviderConfig, unknownProviderConfigDetail(data.unknown))
		return false
	}
	return true
}

// summaryURLNotSet is the warning of a provider block that leaves url to its default, the sandbox.
const summaryURLNotSet = "Circularo URL not set: using the public sandbox"

// summaryUnknownProviderConfig is the one error of an operation whose provider block has settings
// known only after apply.
const summaryUnknownProviderConfig = "Provider configuration known only after apply"

func unknownProviderConfigDetail(attrs []string) string {
	return fmt.Sprintf("The circularo provider block that this uses sets %s from a value known only after apply, so "+
		"it cannot call Circularo in this plan. A typical cause is token = ephemeral.circularo_api_key.<name>.token "+
		"for a key that this configuration creates or replaces in the same run (a new key, a new description, a due "+
		"rotate_after, a change of keepers). Give the provider block values known at plan time: a session from the "+
		"ephemeral circularo_session, a key created by another configuration (a variable or the CIRCULARO_TOKEN "+
		"environment variable), or create the key first with terraform apply -target=<the key's address>; every "+
		"later replacement of that key makes the value unknown again.", strings.Join(attrs, ", "))
}
