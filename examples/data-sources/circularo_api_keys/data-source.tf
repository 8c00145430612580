# Every API key nobody used for 90 days (a key never used counts from its creation).
data "circularo_api_keys" "stale" {
  unused_for = "90d"
}

# Keys of the CI pipelines, older than a year.
data "circularo_api_keys" "old_ci" {
  description_regex = "^ci-"
  older_than        = "365d"
}

output "stale_keys" {
  value = {
    for k in data.circularo_api_keys.stale.api_keys :
    k.fingerprint => "${k.description} (created ${k.created}, last used ${coalesce(k.last_used, "never")})"
  }
}
