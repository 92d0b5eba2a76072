"""SMS and USSD intake (Twilio, Africa's Talking), the outbox and its senders (issue 7, parts 3 and 5)."""
