output "log_group_names" {
  description = "CloudWatch log group names of the ECS services, keyed by service."
  value       = try({ for k, g in aws_cloudwatch_log_group.this : k => g.name }, {})
}

output "log_group_arns" {
  description = "CloudWatch log group ARNs of the ECS services, keyed by service."
  value       = try({ for k, g in aws_cloudwatch_log_group.this : k => g.arn }, {})
}

output "kms_key_arn" {
  description = "KMS key of the log groups and the alarm topic."
  value       = try(aws_kms_key.this.arn, null)
}

output "logs_bucket_id" {
  description = "Name of the access-log bucket (ALB prefix alb/, CloudFront prefix cloudfront/, S3 prefix s3/)."
  # Read through the bucket policy so that the ALB is created only once it may write.
  value = try(module.logs.id, null)
}

output "logs_bucket_domain_name" {
  description = "Bucket domain name of the access-log bucket (CloudFront logging)."
  value       = try(module.logs.bucket_domain_name, null)
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = try(aws_sns_topic.alarms.arn, null)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = try(aws_cloudwatch_dashboard.this.dashboard_name, null)
}

output "alarm_names" {
  description = "Names of every alarm, keyed by alarm key."
  value = try(merge(
    { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name },
    { for k, a in aws_cloudwatch_metric_alarm.rate : k => a.alarm_name },
    { cloudfront-5xx-rate = aws_cloudwatch_metric_alarm.cloudfront_5xx_rate.alarm_name },
  ), {})
}
