"""The OAuth 2.0 scopes of the 1EdTech service APIs (OB 3.0 section 6.1, CLR 2.0 section 6.1)."""

OB = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/scope/"

OB_CREDENTIAL_READONLY = OB + "credential.readonly"
OB_CREDENTIAL_UPSERT = OB + "credential.upsert"
OB_PROFILE_READONLY = OB + "profile.readonly"
OB_PROFILE_UPDATE = OB + "profile.update"
CLR_CREDENTIAL_READONLY = CLR + "credential.readonly"
CLR_CREDENTIAL_UPSERT = CLR + "credential.upsert"
CLR_PROFILE_READONLY = CLR + "profile.readonly"
CLR_PROFILE_UPDATE = CLR + "profile.update"

# What the consent page tells the learner each scope lets the client do.
DESCRIPTIONS = {
    OB_CREDENTIAL_READONLY: "Read your Open Badges (your achievement credentials)",
    OB_CREDENTIAL_UPSERT: "Add Open Badges to your wallet, or replace ones it holds",
    OB_PROFILE_READONLY: "Read your profile (name, email)",
    OB_PROFILE_UPDATE: "Change your profile",
    CLR_CREDENTIAL_READONLY: "Read your Comprehensive Learner Records",
    CLR_CREDENTIAL_UPSERT: "Add Comprehensive Learner Records to your wallet, or replace ones it holds",
    CLR_PROFILE_READONLY: "Read your profile (name, email)",
    CLR_PROFILE_UPDATE: "Change your profile",
}
ALL = tuple(DESCRIPTIONS)
