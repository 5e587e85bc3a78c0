output "table_name" {
  description = "ORDER_TRACKING_TABLE for the app."
  value       = try(aws_dynamodb_table.this.name, null)
}

output "table_arn" {
  description = "ARN of the table (task role policies)."
  value       = try(aws_dynamodb_table.this.arn, null)
}

output "kms_key_arn" {
  description = "Key of the table; readers and writers use it through DynamoDB only."
  value       = try(aws_kms_key.this.arn, null)
}
