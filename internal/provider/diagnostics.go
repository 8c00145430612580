package provider

import (
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

// addClientError turns a client error into a diagnostic that says what to check. Client errors
// never carry secrets, so the error text is shown as is.
func addClientError(diags *diag.Diagnostics, data *providerData, summary string, err error) {
	diags.AddError(summary, err.Error()+"\n\n"+hint(data, err))
}

// hint says what to check for each kind of client error. The client names the kinds (its
// sentinels and error types): no status code or server error code is compared here.
func hint(data *providerData, err error) string {
	var authErr *client.AuthError
	var transportErr *client.TransportError
	login := errors.As(err, &authErr)
	givenToken := data != nil && data.session.UsesGivenToken()
	switch {
	case errors.Is(err, client.ErrNotRevoked):
		return "Circularo still lists the key after every form of DELETE that the provider knows, so it was not " +
			"revoked and still works. It stays in the state, and the next plan shows its revocation again. Revoke it in " +
			"Circularo's web interface, check that it no longer appears in the list of keys, and report the API's " +
			"behaviour to Circularo (TF_LOG=DEBUG shows the API calls, with secrets redacted)."
	case errors.Is(err, client.ErrRevocationUnconfirmed):
		return "The server answered the DELETE, but the list of keys that proves a revocation could not be read, so " +
			"the key is not reported revoked and stays in the state. Plan again once the API answers: the refresh drops " +
			"the key if it is gone, and otherwise the apply revokes it again."
	case errors.Is(err, client.ErrMFARequired):
		return "The account enforces multi-factor authentication. Set totp_secret (or CIRCULARO_TOTP_SECRET) to " +
			"the account's base32 TOTP secret, or authenticate with an API token instead (token or CIRCULARO_TOKEN)."
	case errors.Is(err, client.ErrGivenToken):
		return "circularo_session logs in with the provider's username and password (and totp_secret), but the " +
			"provider is configured with token (or CIRCULARO_TOKEN). Configure username and password instead, or " +
			"pass that token itself to the tool that needs one."
	case errors.Is(err, client.ErrTOTPCodeReused):
		return "The server accepts each TOTP code once (RFC 6238), and other logins of this user took the codes of " +
			"every time step the provider tried: on such servers MFA allows one login per 30 seconds per account. " +
			"Other Terraform runs, CI jobs or people may be logging in as this user at the same time. Run them one " +
			"after the other or give each its own user, and for CI use an API token (token or CIRCULARO_TOKEN), " +
			"which needs no second factor."
	case errors.Is(err, client.ErrTOTPCodeRejected):
		return "The server refused the codes of two time steps that no other login of this machine had used, so " +
			"the code itself is wrong: check that totp_secret (or CIRCULARO_TOTP_SECRET) is the account's base32 " +
			"TOTP secret and that this machine's clock is correct (within 30 seconds), or authenticate with an API " +
			"token instead (token or CIRCULARO_TOKEN)."
	case errors.Is(err, client.ErrAccountLocked):
		return "The server refused to unlock the account itself, not the code: it may be locked after too many " +
			"failed codes, or disabled. The provider stopped trying so as not to prolong a lock. Ask your Circularo " +
			"administrator to unlock the account, then check totp_secret (or CIRCULARO_TOTP_SECRET); an API token " +
			"(token or CIRCULARO_TOKEN) needs no second factor."
	case errors.Is(err, client.ErrUnlockFailed):
		return "The login worked but the second factor did not: check that totp_secret (or CIRCULARO_TOTP_SECRET) " +
			"is the account's base32 TOTP secret and that this machine's clock is correct, or authenticate with an " +
			"API token instead (token or CIRCULARO_TOKEN)."
	case login && errors.Is(err, client.ErrUnknownTenant):
		return "The server does not know the tenant: check tenant (or CIRCULARO_TENANT), or leave it unset so that the host selects it."
	case login && errors.Is(err, client.ErrForbidden):
		return "The server refused the login for this account: it may be locked or disabled. Check username (or " +
			"CIRCULARO_USERNAME), and ask your Circularo administrator to unlock the account."
	case login && errors.Is(err, client.ErrUnauthorized):
		return "The server rejected the login: check username and password (or CIRCULARO_USERNAME and " +
			"CIRCULARO_PASSWORD), and tenant (CIRCULARO_TENANT) if you set one."
	case login && errors.Is(err, client.ErrNotFound):
		return "The login endpoint was not found: check url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH)."
	case errors.Is(err, client.ErrSessionRejected):
		return "The login works, but the server rejects this call with the session it gives: check that the user " +
			"(username or CIRCULARO_USERNAME) may manage API keys, or use an API token (token or CIRCULARO_TOKEN)."
	case givenToken && errors.Is(err, client.ErrUnauthorized):
		return "The server rejected the token set in token (or CIRCULARO_TOKEN): it may have been revoked or have " +
			"expired. Use a valid API token, or log in with username and password."
	case errors.Is(err, client.ErrLocked):
		return "The session is locked until a second factor is given: set totp_secret (or CIRCULARO_TOTP_SECRET), " +
			"or use an API token (token or CIRCULARO_TOKEN)."
	case errors.Is(err, client.ErrForbidden):
		return "The server refused this call for the user (username or CIRCULARO_USERNAME), or for the owner of " +
			"token (CIRCULARO_TOKEN): check that the user may manage API keys, and ask your Circularo administrator if not."
	case errors.As(err, &transportErr):
		return "Check that url (CIRCULARO_URL) names your Circularo host and that it can be reached from here; " +
			"request_timeout and max_retries bound how long the provider waits."
	case errors.Is(err, client.ErrUnreadableAnswer):
		return "The answer is not what the Circularo API returns: check that url (CIRCULARO_URL) and api_path " +
			"(CIRCULARO_API_PATH) point to the API, not to a web page or proxy."
	case errors.Is(err, client.ErrThrottled):
		return "The API kept throttling the provider: raise max_retries, or run Terraform with a lower -parallelism."
	case errors.Is(err, client.ErrGatewayError):
		return "The Circularo API, or a gateway in front of it, was unavailable, and still was after the provider " +
			"retried up to max_retries times: try again later, or raise max_retries to wait longer."
	case errors.Is(err, client.ErrServerError):
		return "The Circularo API failed on its side. The provider does not retry such errors, since the same call " +
			"would most likely fail again: try again later, and if it keeps failing, report it to Circularo " +
			"(TF_LOG=DEBUG shows the API calls, with secrets redacted)."
	}
	return "If the problem persists, run Terraform with TF_LOG=DEBUG to see the API calls (secrets are redacted)."
}
