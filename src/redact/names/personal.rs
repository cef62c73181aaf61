//! Which fields hold personal data, and of which kind ([`Personal`]); and which values are
//! ordinary words, never hunted as a person's.

use super::reading::readings;
use crate::redact::words;

/// The kinds of personal data a recording pseudonymises by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Personal {
    Username,
    Email,
    FullName,
    FirstName,
    LastName,
}

impl Personal {
    /// The field names (folded) of each kind, as README lists them: the ArcGIS REST API's user
    /// and item fields, editor tracking (`created_user`, `last_edited_user`, `Creator`,
    /// `Editor`), the identity provider's (`idpUsername`, SAML's and OpenID's claims), and a
    /// CSV's `Full Name`.
    pub const FIELDS: &'static [(&'static str, Personal)] = &[
        ("username", Personal::Username),
        ("user", Personal::Username),
        ("owner", Personal::Username),
        ("idpusername", Personal::Username),
        ("createduser", Personal::Username),
        ("lastediteduser", Personal::Username),
        ("editeduser", Personal::Username),
        ("creator", Personal::Username),
        ("editor", Personal::Username),
        ("lasteditor", Personal::Username),
        ("createdby", Personal::Username),
        ("modifiedby", Personal::Username),
        ("lastmodifiedby", Personal::Username),
        ("updatedby", Personal::Username),
        ("submittedby", Personal::Username),
        ("preferredusername", Personal::Username),
        ("userprincipalname", Personal::Username),
        ("upn", Personal::Username),
        ("samaccountname", Personal::Username),
        ("nameid", Personal::Username),
        ("email", Personal::Email),
        ("emailaddress", Personal::Email),
        ("mail", Personal::Email),
        ("useremail", Personal::Email),
        ("fullname", Personal::FullName),
        ("commonname", Personal::FullName),
        ("firstname", Personal::FirstName),
        ("givenname", Personal::FirstName),
        ("lastname", Personal::LastName),
        ("surname", Personal::LastName),
        ("familyname", Personal::LastName),
    ];

    /// Fields that name a person only inside an object that is a person's (one with another
    /// personal field): a notebook's `kernelspec.display_name` is a runtime's name.
    pub const WEAK_FIELDS: &'static [(&'static str, Personal)] =
        &[("displayname", Personal::FullName)];
}

/// The kind of personal data a field named `name` holds, if any.
pub fn personal_field(name: &str) -> Option<Personal> {
    field_of(Personal::FIELDS, name)
}

/// The kind of personal data a field named `name` holds inside a person's object (see
/// [`Personal::WEAK_FIELDS`]).
pub fn weak_personal_field(name: &str) -> Option<Personal> {
    field_of(Personal::WEAK_FIELDS, name)
}

fn field_of(fields: &[(&str, Personal)], name: &str) -> Option<Personal> {
    readings(name).find_map(|folded| {
        fields
            .iter()
            .find(|(field, _)| *field == folded)
            .map(|(_, kind)| *kind)
    })
}

/// Whether `value` could be an ordinary word rather than only a name: a word of the API, of
/// English ([`words`]), or of the formats and products a recording is made of. A
/// personal value that is one (a surname `Post`, a first name `Max`) is replaced where it
/// stands as a personal field's value, never hunted through text (`POST`, `"max"`).
pub fn is_word(value: &str) -> bool {
    let value = value.trim();
    words::is_api_word(value) || words::is_word(value)
}
