"""The demo catalog of `manage.py seed_demo`: deterministic, so re-runs change nothing."""

from __future__ import annotations

import colorsys
import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile

CATEGORIES = [
    # slug, name, parent slug, description
    ("kitchen", "Kitchen", None, "Cookware, mugs and tools for everyday cooking."),
    ("kitchen-mugs", "Mugs & cups", "kitchen", "Stoneware, enamel and glass."),
    ("apparel", "Apparel", None, "Organic cotton basics and outerwear."),
    ("apparel-tshirts", "T-shirts", "apparel", "Heavyweight and everyday tees."),
    ("outdoors", "Outdoors", None, "Gear for trails, camps and picnics."),
    ("home", "Home", None, "Lamps, textiles and small furniture."),
    ("stationery", "Stationery", None, "Notebooks, pens and desk things."),
]

# category slug -> (nouns, adjectives, price range, variant kind)
PRODUCT_SPECS = {
    "kitchen": (
        [
            "Chef's Knife",
            "Cutting Board",
            "Saucepan",
            "Skillet",
            "Whisk",
            "Colander",
            "Tea Towel Set",
        ],
        (12, 140),
        "colour",
    ),
    "kitchen-mugs": (
        ["Mug", "Espresso Cup", "Travel Mug", "Tumbler"],
        (9, 35),
        "colour",
    ),
    "apparel": (
        ["Hoodie", "Rain Jacket", "Beanie", "Socks (3 pack)", "Fleece"],
        (15, 180),
        "size",
    ),
    "apparel-tshirts": (
        ["Crew Tee", "Pocket Tee", "Long-sleeve Tee", "V-neck Tee"],
        (18, 45),
        "size",
    ),
    "outdoors": (
        [
            "Daypack",
            "Water Bottle",
            "Camp Lantern",
            "Hammock",
            "Picnic Blanket",
            "Trekking Poles",
        ],
        (14, 160),
        "colour",
    ),
    "home": (
        [
            "Desk Lamp",
            "Throw Blanket",
            "Cushion Cover",
            "Side Table",
            "Plant Pot",
            "Wall Clock",
        ],
        (16, 220),
        "colour",
    ),
    "stationery": (
        ["Notebook", "Fountain Pen", "Desk Organiser", "Sketchbook", "Pencil Set"],
        (6, 90),
        "colour",
    ),
}
ADJECTIVES = [
    "Classic",
    "Harbour",
    "Alpine",
    "Studio",
    "Nordic",
    "Everyday",
    "Field",
    "Coastal",
    "Heritage",
    "Urban",
]
COLOURS = ["Black", "Sand", "Ocean", "Forest", "Clay"]
SIZES = ["S", "M", "L", "XL"]
PRODUCTS_PER_CATEGORY = 10  # 7 categories x 10 = 70 products


def slugify_simple(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)


def demo_products() -> list[dict]:
    """Return the demo products as plain dicts (same output on every call)."""
    rng = random.Random(20261130)  # noqa: S311 - demo data, not security
    products = []
    for category, (nouns, (low, high), kind) in PRODUCT_SPECS.items():
        combos = [(adj, noun) for noun in nouns for adj in ADJECTIVES]
        rng.shuffle(combos)
        for index, (adjective, noun) in enumerate(combos[:PRODUCTS_PER_CATEGORY]):
            name = f"{adjective} {noun}"
            slug = slugify_simple(name)
            base = Decimal(rng.randint(low * 100, high * 100)) / 100
            base = base.quantize(Decimal("1")) - Decimal("0.01")
            options = (
                SIZES if kind == "size" else rng.sample(COLOURS, rng.randint(1, 3))
            )
            variants = []
            for position, value in enumerate(options):
                price = base + (
                    Decimal(position * 2) if kind == "size" and value == "XL" else 0
                )
                # every 7th product is sold out (never a featured one: 0 and 5)
                stock = rng.choice([2, 4, 8, 15, 30, 60]) if index % 7 != 3 else 0
                variants.append(
                    {
                        "sku": f"{slug[:40].upper()}-{value[:3].upper()}",
                        "name": value,
                        "options": {kind: value},
                        "price": price,
                        "stock_on_hand": stock,
                        "position": position,
                    }
                )
            products.append(
                {
                    "category": category,
                    "name": name,
                    "slug": slug,
                    "description": (
                        f"The {name.lower()}: made to last, easy to care for, and "
                        f"a favourite of our {category.replace('-', ' ')} team."
                    ),
                    "price": min(Decimal(str(v["price"])) for v in variants),
                    "is_featured": index == 0 or index == 5,
                    "variants": variants,
                    "hue": rng.random(),
                }
            )
    return products


def product_png(*, name: str, hue: float, size: int = 480) -> ContentFile:
    """Draw a simple product picture: a coloured tile, a shape and the initials."""
    from PIL import Image, ImageDraw, ImageFont

    red, green, blue = (int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.35, 0.95))
    dark = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.7, 0.45))
    image = Image.new("RGB", (size, size), (red, green, blue))
    draw = ImageDraw.Draw(image)
    margin = size // 5
    if int(hue * 10) % 2:
        draw.ellipse((margin, margin, size - margin, size - margin), fill=dark)
    else:
        draw.rounded_rectangle(
            (margin, margin, size - margin, size - margin), radius=size // 10, fill=dark
        )
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    try:
        font = ImageFont.load_default(size=size // 4)
    except TypeError:  # very old Pillow
        font = ImageFont.load_default()
    draw.text(
        (size / 2, size / 2), initials, fill=(255, 255, 255), font=font, anchor="mm"
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{slugify_simple(name)}.png")
