"""What the web and the bridge share and neither owns: the link contract and the WhatsApp
id and phone-number helpers. Importing it has no side effects: it needs the standard
library, msgspec and phonenumbers only, and imports neither ``appliance`` nor ``bridge``."""
