output "state_machine_arn" {
  description = "ARN of the fulfilment state machine (FULFILMENT_STATE_MACHINE_ARN), null with the Celery engine."
  value       = try(aws_sfn_state_machine.fulfilment[0].arn, null)
}

output "fraud_function_name" {
  description = "Name of the fraud Lambda (FRAUD_FUNCTION_NAME)."
  value       = try(aws_lambda_function.fraud.function_name, null)
}

output "fraud_function_arn" {
  description = "ARN of the fraud Lambda (the ECS roles may invoke it)."
  value       = try(aws_lambda_function.fraud.arn, null)
}

output "kms_key_arn" {
  description = "Key of the state machine's data: callers of StartExecution/DescribeExecution/SendTask* need it."
  value       = try(aws_kms_key.this.arn, null)
}

output "alarm_names" {
  description = "Alarms of this module."
  value       = try([for a in aws_cloudwatch_metric_alarm.this : a.alarm_name], [])
}
