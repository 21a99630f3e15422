"""Tags (I7) and custom fields (I8) as staff use them in the chat's info panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Shop, Staff, open_chat, row, snap, watching

pytestmark = pytest.mark.browser


def test_tags_from_the_panel_show_in_the_list(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin)
    other = watching(lean_staff, shop.admin, "Débora Lima")
    open_chat(page, "Débora Lima")
    section = page.locator("[data-section=tags]")
    expect(section).to_contain_text("Nenhuma tag")

    section.get_by_role("button", name="Adicionar tag").click()
    search = section.get_by_role("searchbox", name="Buscar tag")
    expect(search).to_be_focused()
    search.fill("atac")
    expect(section.get_by_role("option", name="Atacado")).to_have_count(1)
    expect(section.get_by_role("option", name="Criar tag “atac”")).to_have_count(1)
    section.get_by_role("option", name="Atacado").click()
    expect(section.locator(".tag")).to_have_text(["Atacado"])
    expect(row(page, "Débora Lima").locator(".tag-dot[title=Atacado]")).to_have_count(1)
    # the other tab follows live
    expect(row(other, "Débora Lima").locator(".tag-dot[title=Atacado]")).to_have_count(1)

    # a tag that does not exist yet is created from the picker (admins may)
    section.get_by_role("button", name="Adicionar tag").click()
    search.fill("Retirada na loja")
    section.get_by_role("option", name="Criar tag “Retirada na loja”").click()
    expect(section.locator(".tag .tag-name")).to_have_text(["Atacado", "Retirada na loja"])
    expect(row(other, "Débora Lima").locator(".tag-dot")).to_have_count(2)
    # the other tab's filter offers the new tag
    expect(other.locator("#tag-choices .chip", has_text="Retirada na loja")).to_have_count(1)
    snap(page, output_dir, "tags-panel.png")

    section.get_by_role("button", name="Tirar a tag Atacado").click()
    expect(section.locator(".tag .tag-name")).to_have_text(["Retirada na loja"])
    expect(row(other, "Débora Lima").locator(".tag-dot[title=Atacado]")).to_have_count(0)


def test_without_manage_tags_the_picker_only_adds(lean_staff: Staff, shop: Shop) -> None:
    page = lean_staff.page(shop.ana)
    open_chat(page, "Bruno Peçanha")
    section = page.locator("[data-section=tags]")
    section.get_by_role("button", name="Adicionar tag").click()
    section.get_by_role("searchbox", name="Buscar tag").fill("Nova tag")
    expect(section.get_by_role("option")).to_have_count(0)
    expect(section).to_contain_text("Nenhuma tag com esse nome.")
    section.get_by_role("searchbox", name="Buscar tag").fill("")
    expect(section.get_by_role("option")).to_have_text(["Atacado", "Entrega"])
    section.get_by_role("searchbox", name="Buscar tag").press("Escape")
    expect(section.get_by_role("searchbox")).to_be_hidden()


def test_custom_field_value_is_checked_and_kept(
    lean_staff: Staff, shop: Shop, output_dir: Path
) -> None:
    page = lean_staff.page(shop.admin)
    open_chat(page, "Débora Lima")
    section = page.locator("[data-section=fields]")
    expect(section).to_contain_text("Nenhum campo personalizado.")

    section.get_by_role("button", name="Novo campo").click()
    section.get_by_role("textbox", name="Nome do novo campo").fill("CPF")
    section.get_by_role("combobox", name="Tipo do campo").select_option("cpf")
    section.get_by_role("button", name="Criar campo").click()
    box = section.get_by_role("textbox", name="CPF")
    expect(box).to_be_focused()

    box.fill("529.982.247-24")
    box.press("Enter")
    expect(section.get_by_role("alert")).to_have_text("CPF inválido: confira os dígitos.")
    expect(box).to_be_editable()
    snap(page, output_dir, "fields-invalid-cpf.png")

    box.fill("52998224725")
    box.press("Enter")
    value = section.locator("[data-field-value]")
    expect(value).to_have_text("529.982.247-25")

    # a bad value later keeps the good one
    value.click()
    box.fill("111.111.111-11")
    box.press("Enter")
    expect(section.get_by_role("alert")).to_have_text("CPF inválido: confira os dígitos.")
    box.press("Escape")
    expect(value).to_have_text("529.982.247-25")

    page.reload()
    expect(page.locator("#conv-name")).to_have_text("Débora Lima")
    expect(page.locator("[data-section=fields] [data-field-value]")).to_have_text("529.982.247-25")
    snap(page, output_dir, "fields-panel.png")

    # the field exists in every chat, empty where nobody filled it
    open_chat(page, "Elisa Souza")
    expect(page.locator("[data-section=fields] dt")).to_have_text(["CPF"])
    expect(page.locator("[data-section=fields] [data-field-value]")).to_have_text("Preencher")


def test_admin_screens_for_tags_and_fields(lean_staff: Staff, shop: Shop, output_dir: Path) -> None:
    page = lean_staff.page(shop.admin, path="/admin#tags")
    body = page.locator(".admin-body[data-section=tags]")
    expect(body.locator("li[data-tag-id]")).to_have_count(3)
    body.get_by_role("textbox", name="Nome da tag", exact=True).fill("cliente víp")
    body.get_by_role("button", name="Criar tag").click()
    expect(body.get_by_role("alert").first).to_have_text("Já existe uma tag com esse nome.")
    body.get_by_role("textbox", name="Nome da tag", exact=True).fill("Retirada")
    body.get_by_role("button", name="Criar tag").click()
    expect(body.locator("li[data-tag-id]")).to_have_count(4)
    entrega = body.get_by_role("textbox", name="Nome da tag Entrega")
    entrega.fill("Entrega expressa")
    entrega.press("Enter")
    expect(body.get_by_role("textbox", name="Nome da tag Entrega expressa")).to_be_visible()
    snap(page, output_dir, "admin-tags.png")
    body.locator("li", has=page.get_by_role("textbox", name="Nome da tag Atacado")).get_by_role(
        "button", name="Excluir"
    ).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("A tag sai de todos os chats")
    dialog.get_by_role("button", name="Excluir tag").click()
    expect(body.locator("li[data-tag-id]")).to_have_count(3)

    page.get_by_role("link", name="Campos personalizados").click()
    fields = page.locator(".admin-body[data-section=fields]")
    fields.get_by_role("textbox", name="Nome do campo", exact=True).fill("Tipo de cliente")
    fields.get_by_role("combobox", name="Tipo").select_option("options")
    fields.get_by_role("textbox", name="Opções (separadas por vírgula)").fill("Atacado, Varejo")
    fields.get_by_role("button", name="Criar campo").click()
    expect(fields.locator("tr[data-field-id]")).to_have_count(1)
    expect(fields.get_by_role("textbox", name="Opções do campo Tipo de cliente")).to_have_value(
        "Atacado, Varejo"
    )
    snap(page, output_dir, "admin-fields.png")
    fields.get_by_role("button", name="Excluir").click()
    expect(dialog).to_contain_text("some de todos os chats")
    dialog.get_by_role("button", name="Excluir campo").click()
    expect(fields).to_contain_text("Nenhum campo criado.")
