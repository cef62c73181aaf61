//! Cases: personal data: a person's username, e-mail and names learned from the fields that
//! hold them and replaced wherever they stand (paths, messages, CSV), in any case and spelling.

use serde_json::json;

use super::*;

/// The cases of this class, in the order the suite sends them.
pub(super) fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "personal-data",
            secrets: 0,
            personal: &[
                "jane.doe",
                "jane.doe@customer.com",
                "Jane Doe",
                "Jane",
                "Doe",
            ],
            requests: |_| {
                vec![
                    Req::get("/portal/sharing/rest/community/self?f=json"),
                    Req::get("/portal/sharing/rest/content/users/jane.doe/items?f=json"),
                    Req::get("/arcgis/admin/system/jobs/jpersonal1?f=json"),
                ]
            },
            answer: |seen, _| {
                if seen.path.ends_with("/community/self") {
                    json_with(
                        "personal-data",
                        json!({"username": "jane.doe", "email": "jane.doe@customer.com",
                               "fullName": "Jane Doe", "firstName": "Jane", "lastName": "Doe"}),
                    )
                } else if seen.path.contains("/jobs/") {
                    json_with(
                        "personal-data",
                        json!({"jobId": "jpersonal1", "type": "executeNotebook", "status": "FAILED",
                               "username": "jane.doe",
                               "messages": ["contact jane.doe@customer.com about /data/jane.doe/nb.ipynb, Jane"]}),
                    )
                } else {
                    json_with(
                        "personal-data",
                        json!({"items": [{"owner": "jane.doe", "url": "https://h.example.com/data/jane.doe/nb.ipynb"}]}),
                    )
                }
            },
        },
        Case {
            name: "usernames-in-any-case-and-name-parts",
            secrets: 0,
            personal: &[
                "MGarcia_GIS",
                "mgarcia_gis",
                "MGARCIA_GIS",
                "Maria Garcia",
                "GARCIA, MARIA",
            ],
            requests: |_| {
                vec![
                    Req::get("/portal/sharing/rest/portals/self?f=json"),
                    Req::get("/portal/sharing/rest/content/users/mgarcia_gis/items?f=json"),
                    Req::get("/portal/sharing/rest/community/users/MGARCIA_GIS?f=json"),
                ]
            },
            answer: |seen, _| {
                if seen.path.ends_with("/portals/self") {
                    json_with(
                        "usernames-in-any-case-and-name-parts",
                        json!({"user": {"username": "MGarcia_GIS", "fullName": "Maria Garcia"}}),
                    )
                } else {
                    json_with(
                        "usernames-in-any-case-and-name-parts",
                        json!({"messages": ["Hello Maria", "GARCIA, MARIA", seen.path]}),
                    )
                }
            },
        },
        Case {
            name: "csv-export",
            secrets: 1,
            personal: &["tnguyen", "tnguyen@customer.com"],
            requests: |_| vec![Req::get("/portal/sharing/rest/portals/self/users.csv")],
            answer: |_, s| {
                text(
                    "text/csv",
                    format!(
                        "username,email,token,note\ntnguyen,tnguyen@customer.com,{},case-csv-export\n",
                        s[0]
                    ),
                )
            },
        },
        Case {
            name: "people-by-field-in-any-spelling",
            secrets: 0,
            personal: &[
                "Jürgen",
                "Müller",
                "MÜLLER",
                "JÜRGEN",
                "Mu\u{308}ller",
                "jmuller_gis",
                "CORP\\jmuller",
                "kwong_gis",
                "mlopez_gis",
                "García",
                "López",
                "María García López",
                "Ngozi Okonkwo",
                "Okonkwo",
            ],
            requests: |_| {
                vec![
                    Req::get("/portal/sharing/rest/community/users/jmuller_gis?f=json"),
                    Req::get("/arcgis/rest/services/Edits/FeatureServer/0/query?f=json"),
                    Req::get("/portal/sharing/rest/content/items/csv1/data"),
                ]
            },
            answer: |seen, _| {
                if seen.path.contains("community/users") {
                    json_with(
                        "people-by-field-in-any-spelling",
                        json!({"username": "jmuller_gis", "fullName": "Jürgen Müller", "firstName": "Jürgen",
                               "lastName": "Müller", "idpUsername": "CORP\\jmuller",
                               "description": "MÜLLER, JÜRGEN; also Mu\u{308}ller"}),
                    )
                } else if seen.path.contains("FeatureServer") {
                    json_with(
                        "people-by-field-in-any-spelling",
                        json!({"features": [{"attributes": {"OBJECTID": 1, "created_user": "kwong_gis",
                               "last_edited_user": "kwong_gis", "Creator": "mlopez_gis", "note": "by kwong_gis"}}]}),
                    )
                } else {
                    text(
                        "text/csv",
                        "Full Name,Email,note\nMaría García López,mgl@customer.com,case-people-by-field-in-any-spelling\nNgozi Okonkwo,ngozi@customer.com,López and Okonkwo met\n".to_string(),
                    )
                }
            },
        },
    ]
}
