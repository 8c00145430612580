# Import a key by its fingerprint (see the circularo_api_keys data source). The key's token value is
# accepted too, but would end up in your shell history.
terraform import circularo_api_key.legacy_reporting sha256:718518ad8d06ff47
