# Revoke a leaked key by its value without the action (Terraform before 1.14, or OpenTofu): the same
# fingerprint adopts the key into a circularo_api_key resource, whose destroy revokes it after the
# same review as every revocation. The value is read from a file outside this configuration, as in
# examples/workflows/revoke-leaked-key.
#
#   export TF_VAR_leaked_key_file=/secure/leaked-key.txt
#   terraform plan                                   must show the import and nothing else
#   terraform apply                                  adopts the key: creates and revokes nothing
#   terraform destroy -target=circularo_api_key.leaked
#                                                    revokes it, once Circularo no longer lists it

terraform {
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

variable "leaked_key_file" {
  description = "A file that holds the leaked key's value (white space around it is trimmed). Keep it out of this directory."
  type        = string
}

import {
  to = circularo_api_key.leaked
  id = provider::circularo::fingerprint(trimspace(file(var.leaked_key_file)))
}

resource "circularo_api_key" "leaked" {
  description = "leaked-ci" # exactly the key's description, or the plan replaces it
  store_token = false       # an import never stores the value anyway
}
