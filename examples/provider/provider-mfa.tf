# An account that enforces multi-factor authentication: the provider computes
# the TOTP code from the secret shown when the authenticator app was enrolled.
# Set CIRCULARO_PASSWORD and CIRCULARO_TOTP_SECRET in the environment.
provider "circularo" {
  alias    = "mfa"
  url      = "https://example.circularo.com"
  username = "admin@example.com"
}
