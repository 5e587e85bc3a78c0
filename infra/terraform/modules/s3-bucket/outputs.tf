output "id" {
  description = "Name of the bucket; read through the bucket policy, so dependants wait until it is in place."
  value       = try(aws_s3_bucket_policy.this.bucket, null)
}

output "arn" {
  description = "ARN of the bucket."
  value       = try(aws_s3_bucket.this.arn, null)
}

output "bucket_domain_name" {
  description = "Bucket domain name (CloudFront standard logging)."
  value       = try(aws_s3_bucket.this.bucket_domain_name, null)
}

output "bucket_regional_domain_name" {
  description = "Regional domain name (CloudFront S3 origin)."
  value       = try(aws_s3_bucket.this.bucket_regional_domain_name, null)
}
