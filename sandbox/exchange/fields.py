"""Which elements each item type has (types.xsd order), which the client may set, and how
a stored item is read back as XML for a requested shape."""

from __future__ import annotations

ITEM_FIELDS = [
    "MimeContent",
    "ItemId",
    "ParentFolderId",
    "ItemClass",
    "Subject",
    "Sensitivity",
    "Body",
    "Attachments",
    "DateTimeReceived",
    "Size",
    "Categories",
    "Importance",
    "InReplyTo",
    "IsSubmitted",
    "IsDraft",
    "IsFromMe",
    "IsResend",
    "IsUnmodified",
    "InternetMessageHeaders",
    "DateTimeSent",
    "DateTimeCreated",
    "ResponseObjects",
    "ReminderDueBy",
    "ReminderIsSet",
    "ReminderNextTime",
    "ReminderMinutesBeforeStart",
    "DisplayCc",
    "DisplayTo",
    "HasAttachments",
    "ExtendedProperty",
    "Culture",
    "EffectiveRights",
    "LastModifiedName",
    "LastModifiedTime",
    "IsAssociated",
    "WebClientReadFormQueryString",
    "WebClientEditFormQueryString",
    "ConversationId",
    "UniqueBody",
]
CALENDAR_FIELDS = [
    "UID",
    "RecurrenceId",
    "DateTimeStamp",
    "Start",
    "End",
    "OriginalStart",
    "IsAllDayEvent",
    "LegacyFreeBusyStatus",
    "Location",
    "When",
    "IsMeeting",
    "IsCancelled",
    "IsRecurring",
    "MeetingRequestWasSent",
    "IsResponseRequested",
    "CalendarItemType",
    "MyResponseType",
    "Organizer",
    "RequiredAttendees",
    "OptionalAttendees",
    "Resources",
    "ConflictingMeetingCount",
    "AdjacentMeetingCount",
    "ConflictingMeetings",
    "AdjacentMeetings",
    "Duration",
    "TimeZone",
    "AppointmentReplyTime",
    "AppointmentSequenceNumber",
    "AppointmentState",
    "Recurrence",
    "FirstOccurrence",
    "LastOccurrence",
    "ModifiedOccurrences",
    "DeletedOccurrences",
    "MeetingTimeZone",
    "StartTimeZone",
    "EndTimeZone",
    "ConferenceType",
    "AllowNewTimeProposal",
    "IsOnlineMeeting",
    "MeetingWorkspaceUrl",
    "NetShowUrl",
]
MESSAGE_FIELDS = [
    "Sender",
    "ToRecipients",
    "CcRecipients",
    "BccRecipients",
    "IsReadReceiptRequested",
    "IsDeliveryReceiptRequested",
    "ConversationIndex",
    "ConversationTopic",
    "From",
    "InternetMessageId",
    "IsRead",
    "IsResponseRequested",
    "References",
    "ReplyTo",
    "ReceivedBy",
    "ReceivedRepresenting",
]
MEETING_FIELDS = [
    "AssociatedCalendarItemId",
    "IsDelegated",
    "IsOutOfDate",
    "HasBeenProcessed",
    "ResponseType",
    "UID",
    "RecurrenceId",
    "DateTimeStamp",
    "IsOrganizer",
]
MEETING_REQUEST_FIELDS = [
    "MeetingRequestType",
    "IntendedFreeBusyStatus",
    "Start",
    "End",
    "OriginalStart",
    "IsAllDayEvent",
    "LegacyFreeBusyStatus",
    "Location",
    "When",
    "IsMeeting",
    "IsCancelled",
    "IsRecurring",
    "MeetingRequestWasSent",
    "CalendarItemType",
    "MyResponseType",
    "Organizer",
    "RequiredAttendees",
    "OptionalAttendees",
    "Resources",
    "Recurrence",
    "StartTimeZone",
    "EndTimeZone",
]

ORDER = {
    "CalendarItem": ITEM_FIELDS + CALENDAR_FIELDS,
    "Message": ITEM_FIELDS + MESSAGE_FIELDS,
    "MeetingRequest": ITEM_FIELDS + MESSAGE_FIELDS + MEETING_FIELDS + MEETING_REQUEST_FIELDS,
    "MeetingCancellation": ITEM_FIELDS + MESSAGE_FIELDS + MEETING_FIELDS + ["Start", "End"],
}
for _name, _order in list(ORDER.items()):
    ORDER[_name] = list(dict.fromkeys(_order))

# What a client may set on CreateItem / SetItemField (the rest is computed by Exchange).
WRITABLE = {
    "CalendarItem": set(
        [
            "MimeContent",
            "Subject",
            "Sensitivity",
            "Body",
            "Categories",
            "Importance",
            "ReminderIsSet",
            "ReminderMinutesBeforeStart",
            "ReminderDueBy",
            "ExtendedProperty",
            "Culture",
            "UID",
            "Start",
            "End",
            "IsAllDayEvent",
            "LegacyFreeBusyStatus",
            "Location",
            "IsResponseRequested",
            "RequiredAttendees",
            "OptionalAttendees",
            "Resources",
            "Recurrence",
            "MeetingTimeZone",
            "StartTimeZone",
            "EndTimeZone",
            "ConferenceType",
            "AllowNewTimeProposal",
            "IsOnlineMeeting",
            "MeetingWorkspaceUrl",
            "NetShowUrl",
            "When",
        ]
    ),
    "Message": set(
        [
            "MimeContent",
            "Subject",
            "Sensitivity",
            "Body",
            "Categories",
            "Importance",
            "InReplyTo",
            "ReminderIsSet",
            "ReminderMinutesBeforeStart",
            "ReminderDueBy",
            "ExtendedProperty",
            "Culture",
            "Sender",
            "ToRecipients",
            "CcRecipients",
            "BccRecipients",
            "IsReadReceiptRequested",
            "IsDeliveryReceiptRequested",
            "From",
            "InternetMessageId",
            "IsRead",
            "IsResponseRequested",
            "References",
            "ReplyTo",
        ]
    ),
}
WRITABLE["MeetingRequest"] = {"IsRead", "Categories", "ExtendedProperty"}
WRITABLE["MeetingCancellation"] = {"IsRead", "Categories", "ExtendedProperty"}

BOOLEAN = set(
    [
        "ReminderIsSet",
        "IsAllDayEvent",
        "IsResponseRequested",
        "AllowNewTimeProposal",
        "IsOnlineMeeting",
        "IsReadReceiptRequested",
        "IsDeliveryReceiptRequested",
        "IsRead",
    ]
)
INTEGER = {"ReminderMinutesBeforeStart", "ConferenceType"}
ENUMS = {
    "Sensitivity": {"Normal", "Personal", "Private", "Confidential"},
    "Importance": {"Low", "Normal", "High"},
    "LegacyFreeBusyStatus": {"Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"},
}

# The Default shape (besides the ids) per item type.
DEFAULT_SHAPE = {
    "CalendarItem": set(
        [
            "Subject",
            "Attachments",
            "ResponseObjects",
            "HasAttachments",
            "IsAssociated",
            "Start",
            "End",
            "LegacyFreeBusyStatus",
            "Location",
            "CalendarItemType",
            "Organizer",
            "IsAllDayEvent",
        ]
    ),
    "Message": set(
        [
            "Subject",
            "Attachments",
            "ResponseObjects",
            "Sensitivity",
            "Size",
            "DateTimeSent",
            "DateTimeCreated",
            "HasAttachments",
            "IsAssociated",
            "From",
            "IsRead",
        ]
    ),
}
DEFAULT_SHAPE["MeetingRequest"] = DEFAULT_SHAPE["Message"] | {"Start", "End", "UID"}
DEFAULT_SHAPE["MeetingCancellation"] = DEFAULT_SHAPE["Message"] | {"UID"}


# What FindItem (and CalendarView) and SyncFolderItems never return: Microsoft's FindItem
# page says it "does not return any of the message body formats or the recipient lists",
# its SyncFolderItems page that it "cannot return properties like Body or Attachments".
# The list adds the other properties Exchange computes only for GetItem (the recurrence
# blob and its occurrence lists, conflicting/adjacent meetings, the MIME content).
NOT_IN_SUMMARY = {
    "MimeContent",
    "Body",
    "TextBody",
    "UniqueBody",
    "NormalizedBody",
    "Attachments",
    "InternetMessageHeaders",
    "ToRecipients",
    "CcRecipients",
    "BccRecipients",
    "ReplyTo",
    "RequiredAttendees",
    "OptionalAttendees",
    "Resources",
    "ConflictingMeetings",
    "AdjacentMeetings",
    "Recurrence",
    "FirstOccurrence",
    "LastOccurrence",
    "ModifiedOccurrences",
    "DeletedOccurrences",
}


# Every FieldURI (UnindexedFieldURIType in types.xsd of Exchange 2016) an item shape or
# an update may name; the stand-in stores only the fields above, the others are absent
# from its answers. Any other value fails schema validation, as on Exchange.
_SCHEMA_URIS = {
    "item": """ItemId ParentFolderId ItemClass MimeContent Attachments Subject
        DateTimeReceived Size Categories HasAttachments Importance InReplyTo
        InternetMessageHeaders IsAssociated IsDraft IsFromMe IsResend IsSubmitted IsUnmodified
        DateTimeSent DateTimeCreated Body ResponseObjects Sensitivity ReminderDueBy
        ReminderIsSet ReminderNextTime ReminderMinutesBeforeStart DisplayTo DisplayCc Culture
        EffectiveRights LastModifiedName LastModifiedTime ConversationId UniqueBody Flag
        StoreEntryId InstanceKey NormalizedBody EntityExtractionResult PolicyTag ArchiveTag
        RetentionDate Preview NextPredictedAction GroupingAction PredictedActionReasons
        IsClutter RightsManagementLicenseData BlockStatus HasBlockedImages
        WebClientReadFormQueryString WebClientEditFormQueryString TextBody IconIndex""",
    "message": """ConversationIndex ConversationTopic InternetMessageId IsRead
        IsResponseRequested IsReadReceiptRequested IsDeliveryReceiptRequested ReceivedBy
        ReceivedRepresenting References ReplyTo From Sender ToRecipients CcRecipients
        BccRecipients ApprovalRequestData VotingInformation ReminderMessageData""",
    "meeting": """AssociatedCalendarItemId IsDelegated IsOutOfDate HasBeenProcessed
        ResponseType ProposedStart ProposedEnd""",
    "meetingRequest": "MeetingRequestType IntendedFreeBusyStatus ChangeHighlights",
    "calendar": """Start End OriginalStart StartWallClock EndWallClock StartTimeZoneId
        EndTimeZoneId IsAllDayEvent LegacyFreeBusyStatus Location EnhancedLocation When
        IsMeeting IsCancelled IsRecurring MeetingRequestWasSent IsResponseRequested
        CalendarItemType MyResponseType Organizer RequiredAttendees OptionalAttendees
        Resources ConflictingMeetingCount AdjacentMeetingCount ConflictingMeetings
        AdjacentMeetings Duration TimeZone AppointmentReplyTime AppointmentSequenceNumber
        AppointmentState Recurrence FirstOccurrence LastOccurrence ModifiedOccurrences
        DeletedOccurrences MeetingTimeZone ConferenceType AllowNewTimeProposal IsOnlineMeeting
        MeetingWorkspaceUrl NetShowUrl UID RecurrenceId DateTimeStamp StartTimeZone
        EndTimeZone JoinOnlineMeetingUrl OnlineMeetingSettings IsOrganizer""",
    "task": """ActualWork AssignedTime BillingInformation ChangeCount Companies CompleteDate
        Contacts DelegationState Delegator DueDate IsAssignmentEditable IsComplete
        IsRecurring IsTeamTask Mileage Owner PercentComplete Recurrence StartDate Status
        StatusDescription TotalWork""",
    "contacts": """Alias AssistantName Birthday BusinessHomePage Children Companies
        CompanyName CompleteName ContactSource Culture Department DisplayName DirectoryId
        DirectReports EmailAddresses FileAs FileAsMapping Generation GivenName ImAddresses
        Initials JobTitle Manager ManagerMailbox MiddleName Mileage MSExchangeCertificate
        Nickname Notes OfficeLocation PhoneNumbers PhoneticFullName PhoneticFirstName
        PhoneticLastName Photo PhysicalAddresses PostalAddressIndex Profession SpouseName
        Surname WeddingAnniversary UserSMIMECertificate HasPicture""",
    "distributionlist": "Members",
    "postitem": "PostedTime",
}
FIELD_URIS = {
    f"{prefix}:{name}" for prefix, names in _SCHEMA_URIS.items() for name in names.split()
}
