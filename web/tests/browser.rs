//! Browser tests: the page mounted in headless Chromium
//! (`cargo test -p kscope-web --target wasm32-unknown-unknown`, with `CHROMEDRIVER` set).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn mount() -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<kscope_web::App>::with_root(root.clone()).render();
    root
}

fn text(root: &Element, testid: &str) -> String {
    root.query_selector(&format!("[data-testid='{testid}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element {testid}"))
        .text_content()
        .unwrap_or_default()
}

fn click(root: &Element, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element {selector}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

async fn sleep(ms: u64) {
    yew::platform::time::sleep(Duration::from_millis(ms)).await;
}

#[wasm_bindgen_test]
async fn the_page_runs_the_simulation_and_takes_commands() {
    let root = mount();
    sleep(1_500).await;
    let t1: u64 = text(&root, "sim-time").parse().unwrap();
    assert!(t1 > 0, "simulated time advances while playing");
    assert_eq!(
        root.query_selector_all("[data-testid='broker']")
            .unwrap()
            .length(),
        3
    );
    assert_eq!(
        root.query_selector_all("[data-testid='replica']")
            .unwrap()
            .length(),
        9
    );
    assert_eq!(
        root.query_selector_all("[data-testid='replica'][data-role='leader']")
            .unwrap()
            .length(),
        3
    );

    click(
        &root,
        "[data-testid='broker'][data-broker='2'] [data-testid='crash-broker']",
    );
    sleep(100).await;
    let b2 = root
        .query_selector("[data-testid='broker'][data-broker='2']")
        .unwrap()
        .unwrap();
    assert_eq!(b2.get_attribute("data-state").as_deref(), Some("down"));

    click(&root, "[data-testid='play']");
    sleep(100).await;
    let paused = text(&root, "sim-time");
    sleep(200).await;
    assert_eq!(text(&root, "sim-time"), paused, "paused time stands still");
    click(&root, "[data-testid='step']");
    sleep(100).await;
    let stepped: u64 = text(&root, "sim-time").parse().unwrap();
    assert!(stepped >= paused.parse::<u64>().unwrap());
}
