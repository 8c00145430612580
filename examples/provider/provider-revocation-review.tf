# Make the revocation review a rule, for a CI pipeline that applies
# unattended: a plan that revokes a key used in the last 7 days, or made in
# the last 7 days and never used, fails instead of warning. A revocation that
# is meant goes ahead when the resource or action that revokes the key names
# its fingerprint in approve_revocation_of.
provider "circularo" {
  alias                     = "strict"
  url                       = "https://example.circularo.com"
  username                  = "platform-bot@example.com"
  revocation_review         = "error"
  revocation_warning_window = "7d"
}
