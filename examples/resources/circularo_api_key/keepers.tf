# Rotated on any external trigger: a change of a keepers value replaces the key. Tie keepers to a
# variable, a release version, or the id of a time_rotating resource.
variable "reporting_key_generation" {
  description = "Change this to rotate the reporting key."
  type        = number
  default     = 1
}

resource "circularo_api_key" "reporting" {
  description = "reporting"
  keepers = {
    generation = var.reporting_key_generation
  }

  lifecycle {
    create_before_destroy = true
  }
}
