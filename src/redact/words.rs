//! Ordinary words: English and the words of the formats, products and APIs a recording is made
//! of. A personal value that is one of them (a surname `Post`, a first name `Max`, a surname
//! `English`) is never hunted through a recording's text, where it would rewrite `POST`,
//! `"max"` or `"units": "english"`; it is replaced only where a personal field holds it.
//!
//! The English list is the lower-case words of 3 to 16 letters of SCOWL's American English
//! list (Debian's `wamerican` 2020.12.07: `grep -E '^[a-z]{3,16}$'
//! /usr/share/dict/american-english`), gzip-compressed in `words.txt.gz` and read once, when
//! redaction first asks. Capitalised entries (people's and places' names) are left out of it:
//! they are what must still be found. SCOWL is Copyright 2000-2011 by Kevin Atkinson, with
//! permission to use, copy, modify, distribute and sell the lists for any purpose, provided
//! that this notice appears; it is provided "as is" without express or implied warranty.

use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;

static ENGLISH_GZ: &[u8] = include_bytes!("words.txt.gz");

/// Words no English list has that a recording is full of: languages and peoples (capitalised
/// in the list), months and days, and the words of GIS, ArcGIS, databases, notebooks, the web
/// and its products.
const MORE_WORDS: &[&str] = &[
    // Languages, peoples, months and days: capitalised in English lists.
    "english",
    "french",
    "german",
    "spanish",
    "italian",
    "dutch",
    "russian",
    "chinese",
    "japanese",
    "korean",
    "arabic",
    "hindi",
    "portuguese",
    "greek",
    "latin",
    "polish",
    "swedish",
    "danish",
    "norwegian",
    "finnish",
    "turkish",
    "hebrew",
    "thai",
    "american",
    "british",
    "european",
    "african",
    "asian",
    "pacific",
    "atlantic",
    "central",
    "eastern",
    "western",
    "mountain",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "christmas",
    "easter",
    // GIS and ArcGIS.
    "esri",
    "arcgis",
    "arcpy",
    "arcmap",
    "arcsde",
    "sde",
    "gis",
    "gdb",
    "fgdb",
    "shp",
    "shapefile",
    "geojson",
    "kml",
    "kmz",
    "wms",
    "wmts",
    "wfs",
    "wcs",
    "ogc",
    "utm",
    "wgs",
    "nad",
    "epsg",
    "wkid",
    "wkt",
    "latestwkid",
    "objectid",
    "oid",
    "fid",
    "globalid",
    "geodatabase",
    "mapserver",
    "featureserver",
    "imageserver",
    "gpserver",
    "geocodeserver",
    "geometryserver",
    "naserver",
    "vectortileserver",
    "sceneserver",
    "hosted",
    "webmap",
    "webscene",
    "esrijob",
    "gpstring",
    "gpdouble",
    "gplong",
    "gpboolean",
    "gpdate",
    "gpdataFile",
    "gprasterdata",
    "gpfeaturerecordsetlayer",
    "gprecordset",
    "agol",
    "enterprise",
    "kubernetes",
    "notebookserver",
    "webadaptor",
    "datastore",
    "geoevent",
    "geoanalytics",
    // Databases and connections.
    "sqlserver",
    "postgresql",
    "postgres",
    "oracle",
    "hana",
    "mysql",
    "sqlite",
    "db2",
    "teradata",
    "snowflake",
    "redshift",
    "bigquery",
    "odbc",
    "jdbc",
    "dbo",
    // Notebooks and Python.
    "jupyter",
    "jupyterlab",
    "ipython",
    "ipykernel",
    "kernelspec",
    "nbformat",
    "python3",
    "conda",
    "pip",
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "pyodbc",
    "ipynb",
    "py",
    // The web, its formats and products.
    "http",
    "https",
    "html",
    "xhtml",
    "css",
    "url",
    "uri",
    "urn",
    "api",
    "sdk",
    "rest",
    "soap",
    "wsdl",
    "xml",
    "json",
    "pjson",
    "jsonp",
    "csv",
    "tsv",
    "pdf",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "zip",
    "gzip",
    "utf",
    "ascii",
    "iso",
    "unicode",
    "oauth",
    "saml",
    "ldap",
    "idp",
    "sso",
    "jwt",
    "cors",
    "csrf",
    "xsrf",
    "uuid",
    "guid",
    "ssl",
    "tls",
    "tcp",
    "udp",
    "dns",
    "ip",
    "ipv4",
    "ipv6",
    "localhost",
    "www",
    "cdn",
    "javascript",
    "typescript",
    "java",
    "dotnet",
    "windows",
    "linux",
    "macos",
    "ubuntu",
    "debian",
    "redhat",
    "docker",
    "azure",
    "aws",
    "amazon",
    "google",
    "microsoft",
    "apple",
    "android",
    "ios",
    "chrome",
    "chromium",
    "firefox",
    "safari",
    "edge",
    "mozilla",
    "webkit",
    "gecko",
    "github",
    "gitlab",
    "nginx",
    "apache",
    "tomcat",
    "iis",
    "kerberos",
    "ntlm",
    "negotiate",
    "spnego",
    "okta",
    "entra",
    "adfs",
    "onelogin",
    "ping",
];

fn english() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut text = String::new();
        flate2::read::GzDecoder::new(ENGLISH_GZ)
            .read_to_string(&mut text)
            .expect("the shipped word list is gzip of UTF-8");
        let text: &'static str = Box::leak(text.into_boxed_str());
        text.lines().chain(MORE_WORDS.iter().copied()).collect()
    })
}

/// Whether `value`, in any case, is an ordinary word (see the module's documentation).
pub fn is_word(value: &str) -> bool {
    let lower = value.to_lowercase();
    let words = english();
    words.contains(lower.as_str())
        || lower
            .strip_suffix('s')
            .is_some_and(|singular| words.contains(singular))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_english_and_of_the_api_are_words_and_names_are_not() {
        for word in [
            "Post", "GET", "max", "Key", "English", "Standard", "Python", "sde",
        ] {
            assert!(is_word(word), "{word}");
        }
        for name in ["Garcia", "Jürgen", "Müller", "jdoe", "Nakamura", "Oyelaran"] {
            assert!(!is_word(name), "{name}");
        }
    }
}
