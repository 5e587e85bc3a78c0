output "state_bucket" {
  description = "Bucket for the envs' S3 backend."
  value       = try(module.state.id, null)
}

output "lock_table" {
  description = "DynamoDB table for the envs' state locking."
  value       = try(aws_dynamodb_table.locks.name, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting state and locks (operators need kms:Decrypt/GenerateDataKey on it)."
  value       = try(aws_kms_key.this.arn, null)
}

output "backend_config" {
  description = "Contents of envs/<env>/backend.hcl (terraform init -backend-config=backend.hcl); scripts/deploy.sh bootstrap writes it."
  value = join("\n", [
    "bucket         = \"${try(module.state.id, "")}\"",
    "region         = \"${data.aws_region.current.name}\"",
    "dynamodb_table = \"${try(aws_dynamodb_table.locks.name, "")}\"",
    "kms_key_id     = \"${try(aws_kms_key.this.arn, "")}\"",
    "",
  ])
}
