//! Issue 11, bad input: query text and path segments that are not UTF-8 once percent-decoded
//! are 400 with the parameter's own `scimType`, never decoded lossily into a search.

use crate::server_support::{Call, create_user, server};

#[tokio::test]
async fn a_filter_that_is_not_utf8_is_invalid_filter() {
    let s = server().await;
    // A user whose name is what a lossy decoder would make of the bytes.
    create_user(&s, "\u{FFFD}\u{FFFD}").await;
    for q in [
        "/Users?filter=userName+eq+%22%ff%fe%22",
        "/Users?filter=userName%20eq%20%22%ED%A0%80%22",
        "/Groups?filter=displayName+eq+%22%C3%22",
        "/?filter=userName+eq+%22%ff%22",
    ] {
        Call::get(q)
            .send(&s)
            .await
            .assert_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn every_other_parameter_and_segment_too() {
    let s = server().await;
    let user = create_user(&s, "adele@contoso.com").await;
    let id = user["id"].as_str().unwrap();
    let cases = [
        ("/Users?sortBy=%ff".to_owned(), "invalidPath"),
        ("/Users?attributes=%ED%A0%80".to_owned(), "invalidPath"),
        (format!("/Users/{id}?excludedAttributes=%fe"), "invalidPath"),
        ("/Users?sortOrder=%ff".to_owned(), "invalidValue"),
        ("/Users?count=%ff".to_owned(), "invalidValue"),
        ("/Users?startIndex=%ED%A0%80".to_owned(), "invalidValue"),
        ("/Users/%ff%fe".to_owned(), "invalidValue"),
        ("/Groups/%ED%A0%80".to_owned(), "invalidValue"),
        ("/Schemas/urn%ff".to_owned(), "invalidValue"),
    ];
    for (path, scim_type) in cases {
        Call::get(&path)
            .send(&s)
            .await
            .assert_error(400, Some(scim_type));
    }
    Call::delete("/Users/%ED%A0%80")
        .send(&s)
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn write_and_discovery_segments_too() {
    let s = server().await;
    create_user(&s, "adele@contoso.com").await;
    let user = serde_json::json!({"userName": "x"});
    let patch = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "y"}]
    });
    for call in [
        Call::put("/Users/%ff%fe", user.clone()),
        Call::patch("/Users/%ED%A0%80", patch.clone()),
        Call::patch("/Groups/%C3", patch),
        Call::get("/ResourceTypes/%ff"),
    ] {
        call.send(&s).await.assert_error(400, Some("invalidValue"));
    }
    // A parameter whose name is not UTF-8 is no known parameter, and never a panic or a 500.
    let answer = Call::get("/Users?%ff%fe=1").send(&s).await;
    assert!(
        answer.status == 200 || answer.status == 400,
        "{}",
        answer.status
    );
}
