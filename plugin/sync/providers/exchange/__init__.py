"""Microsoft Exchange Server (EWS) through exchangelib."""
