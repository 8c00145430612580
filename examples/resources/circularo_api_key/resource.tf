# A key for the CI pipeline. Its value is the sensitive `token` attribute: hand it to the integration
# (a secret store entry, a CI variable), never to a plain output.
resource "circularo_api_key" "ci" {
  description = "ci-pipeline"
}
