output "state_bucket" {
  description = "Bucket for the envs' S3 backend."
  value       = try(aws_s3_bucket.state.id, null)
}

output "lock_table" {
  description = "DynamoDB table for the envs' state locking."
  value       = try(aws_dynamodb_table.locks.name, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting state and locks (operators need kms:Decrypt/GenerateDataKey on it)."
  value       = try(aws_kms_key.this.arn, null)
}
