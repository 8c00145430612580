# Use an existing API token instead of logging in (for example in CI), set in
# CIRCULARO_TOKEN. The provider never logs this token out.
provider "circularo" {
  alias = "token"
  url   = "https://example.circularo.com"
}
