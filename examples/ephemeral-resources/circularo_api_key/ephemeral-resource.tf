# A key whose value is never stored: store_token = false keeps it out of the state, and the
# ephemeral circularo_api_key reads it from Circularo when something needs it, in plan and apply.
resource "circularo_api_key" "reporting" {
  description = "reporting-export"
  store_token = false
}

ephemeral "circularo_api_key" "reporting" {
  fingerprint = circularo_api_key.reporting.id
}

# Provider blocks accept ephemeral values. A provider cannot be configured with a value known only
# after apply, so this block needs the key to exist already (a second apply after its creation).
provider "circularo" {
  alias = "reporting"
  url   = "https://example.circularo.com"
  token = ephemeral.circularo_api_key.reporting.token
}

# What the reporting key itself can see: the keys of the user it belongs to.
data "circularo_api_keys" "seen_by_reporting" {
  provider = circularo.reporting
}
