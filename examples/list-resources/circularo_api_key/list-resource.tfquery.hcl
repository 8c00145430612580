# Find the keys nobody used for 90 days (and created at least 90 days ago), then adopt them:
#
#   terraform query -generate-config-out=stale_keys.tf   # lists them by description, fingerprint and last use
#   terraform apply                                      # imports them: creates and revokes nothing
#
# Once adopted, removing a key's resource block from stale_keys.tf and applying revokes that key, after
# you have reviewed the plan.
list "circularo_api_key" "stale" {
  provider         = circularo
  include_resource = true

  config {
    unused_for = "90d"
    older_than = "90d"
  }
}
