"""WhatsApp Web: the phone's number as a linked device, through neonize (whatsmeow)."""
