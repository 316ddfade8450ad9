"""The demo roster — 演示档案: buildings, units, owners, residents, cars and staff of a community.

``RosterGenerator`` builds, deterministically from a seed, a twenty-year-old mid-size Shanghai
community (``sunlit.demo`` runs it): 16 buildings of walk-ups and towers, about 1,200 units with
shops, parking spaces and storage rooms, owners of several units, co-owned and unsold units,
tenants and families, about 400 cars, and the service team in its departments. Blocks of at
most 1,200 units are generated and bulk-inserted one by one (``core.bulk.bulk_insert``, the blind
indexes computed here), so memory stays flat; each block's facts go on the log in one
``record_many``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from sunlit.core.bulk import bulk_insert
from sunlit.core.choices import DepartmentKind, PersonKind, Role
from sunlit.core.models import Community, Department, Membership, Person, User
from sunlit.core.validators import PLATE_RE, make_id_number
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle
from sunlit.registry.services import (
    ownership_ended_event,
    ownership_registered_event,
    unit_registered_event,
    vehicle_kind_of,
)
from sunlit.transparency import services as log

BLOCK_UNITS = 1200
TZ = ZoneInfo("Asia/Shanghai")
# Generated dates stay before this day, so the data does not depend on when it is loaded.
LAST_DAY = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class City:
    name: str
    province: str  # first character of local plates
    plate_letters: str  # issuing-office letters of the city's plates
    area_code: str
    regions: tuple[str, ...]  # ID-number region codes of the city's districts


CITIES = {
    "上海": City("上海", "沪", "ABCDEFGHJKLMN", "021",
               ("310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
                "310113", "310115")),
    "苏州": City("苏州", "苏", "EU", "0512",
               ("320505", "320506", "320507", "320508", "320581", "320582")),
    "杭州": City("杭州", "浙", "A", "0571", ("330102", "330105", "330106", "330108", "330110")),
    "南京": City("南京", "苏", "A", "025", ("320102", "320104", "320105", "320106", "320113")),
}
# Where people who moved in from elsewhere were born, and the plates their cars kept.
ELSEWHERE_REGIONS = ("340104", "340302", "320322", "330302", "370102", "410105", "420106",
                     "430102", "510104", "360102", "350102", "230102", "610113", "500103")
ELSEWHERE_PLATES = ("苏E", "苏A", "浙A", "浙B", "皖A", "鲁B", "豫A", "赣A", "川A", "鄂A")


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    code: str
    city: str
    district: str
    address: str
    built_year: int
    developer: str
    job_prefix: str


# One block is the plan of 明强小区: (storeys, lift, entrances 单元, flats per floor per entrance).
BLOCK_BUILDINGS = (
    (6, False, 2, 2), (6, False, 2, 3), (6, False, 2, 2), (6, False, 2, 3), (6, False, 2, 2),
    (6, False, 2, 3), (11, True, 2, 2), (11, True, 2, 3), (11, True, 2, 4), (11, True, 2, 2),
    (11, True, 2, 3), (18, True, 2, 2), (18, True, 2, 3), (18, True, 2, 4), (18, True, 2, 4),
    (18, True, 2, 3),
)
# Area ranges (m²) of the flats of one floor, by position: end flats are the larger ones.
FLAT_AREAS = {
    2: ((88, 140), (88, 140)),
    3: ((80, 125), (60, 90), (80, 125)),
    4: ((75, 110), (60, 85), (60, 85), (75, 110)),
}

SURNAMES = ("王李张刘陈杨黄赵吴周" * 4 + "徐孙马朱胡郭何高林罗" * 2
            + "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
            "金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE_CHARS = ("伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武"
              "新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦"
              "承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦奇朗宏鸣朋斌栋维启克伦翔旭鹏泽晨辰建家致树德")
FEMALE_CHARS = ("秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹"
                "霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璐娅琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓"
                "仪荷丹蓉君琴蕊薇菁梦岚婕馨韵园艺悦昭冰爽琬茗羽欣滢筠柔竹凝晓欢芸菲寒伊亚宜可舒丽")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "166", "173", "176", "177",
                   "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O
CAR_BRANDS = ("大众", "丰田", "本田", "别克", "日产", "宝马", "奔驰", "奥迪", "荣威", "吉利", "长安",
              "哈弗", "马自达", "福特", "雪佛兰", "现代", "斯柯达", "沃尔沃")
NEV_BRANDS = ("比亚迪", "特斯拉", "蔚来", "理想", "小鹏", "埃安", "极氪", "问界", "零跑")
COLOURS = ("白", "白", "黑", "黑", "银", "灰", "蓝", "红", "棕")
SHOP_NAMES = ("好邻居", "家家乐", "快客", "老街", "鑫源", "佳美", "益民", "福临", "顺心", "万家")
SHOP_TRADES = ("便利店", "水果店", "理发店", "干洗店", "药房", "面馆", "早餐店", "房产中介",
               "快递驿站", "花店", "五金店", "咖啡馆", "生鲜超市", "宠物店", "打印店")

DEPARTMENTS = (DepartmentKind.SERVICE, DepartmentKind.ENGINEERING, DepartmentKind.CLEANING,
               DepartmentKind.SECURITY, DepartmentKind.GREENING, DepartmentKind.FINANCE,
               DepartmentKind.MANAGEMENT)
# The service team of one community: (department, post, role, head count).
STAFF = (
    (DepartmentKind.MANAGEMENT, "项目经理", Role.MANAGER, 1),
    (DepartmentKind.SERVICE, "客服主管", Role.SERVICE, 1),
    (DepartmentKind.SERVICE, "客服专员", Role.SERVICE, 2),
    (DepartmentKind.SERVICE, "调度员", Role.DISPATCHER, 1),
    (DepartmentKind.ENGINEERING, "工程主管", Role.TECHNICIAN, 1),
    (DepartmentKind.ENGINEERING, "维修工", Role.TECHNICIAN, 4),
    (DepartmentKind.CLEANING, "保洁员", Role.TECHNICIAN, 5),
    (DepartmentKind.SECURITY, "秩序维护员", Role.TECHNICIAN, 6),
    (DepartmentKind.GREENING, "绿化工", Role.TECHNICIAN, 2),
    (DepartmentKind.FINANCE, "会计", Role.FINANCE, 1),
    (DepartmentKind.FINANCE, "收费员", Role.FINANCE, 1),
)


class RosterGenerator:
    """Generates one community block by block and bulk-inserts each block."""

    def __init__(self, community: Community, spec: CommunitySpec, *, seed: int,
                 progress: Callable[[int], None] | None, demo_households: bool,
                 reserved_posts: frozenset[str] = frozenset()):
        self.community = community
        self.community_id = community.pk
        self.spec = spec
        self.city = CITIES[spec.city]
        # A string seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
        self.rng = random.Random(f"sunlit-demo:{seed}:{spec.code}")  # noqa: S311
        self.progress = progress
        self.want_demo = demo_households
        # the first place of each of these posts is left for a demo account (sunlit.demo)
        self.reserved_posts = reserved_posts if demo_households else frozenset()
        self.now = timezone.now()
        self.mobiles: set[str] = set()
        self.id_numbers: set[str] = set()
        self.plates: set[str] = set()
        self.next_building = 1
        self.built_on = dt.date(spec.built_year, 6, 30)
        self.developer: Person | None = None
        # Filled in the first block of the first community: who the demo accounts are.
        self.demo_owner: Person | None = None
        self.demo_tenant: Person | None = None
        self.committee_owner: Person | None = None
        self.supervisor_owner: Person | None = None

    # --- small generators -------------------------------------------------------
    def _date(self, first: dt.date, last: dt.date) -> dt.date:
        if last <= first:
            return first
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    def _given_name(self, male: bool) -> str:
        chars = MALE_CHARS if male else FEMALE_CHARS
        if self.rng.random() < 0.3:
            return self.rng.choice(chars)
        return self.rng.choice(chars) + self.rng.choice(chars)

    def _mobile(self) -> str:
        while True:
            mobile = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if mobile not in self.mobiles:
                self.mobiles.add(mobile)
                return mobile

    def _id_number(self, region: str, birthday: dt.date, male: bool) -> str:
        while True:
            sex = self.rng.randrange(0, 10, 2) + (1 if male else 0)  # odd 17th digit: male
            number = make_id_number(f"{region}{birthday:%Y%m%d}{self.rng.randrange(100):02d}{sex}")
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def _person(self, born: tuple[int, int], *, male: bool | None = None, surname: str = "",
                local: float = 0.6) -> Person:
        """A natural person; under-16s have an ID number but no mobile of their own."""
        rng = self.rng
        if male is None:
            male = rng.random() < 0.5
        name = (surname or rng.choice(SURNAMES)) + self._given_name(male)
        year = rng.randint(*born)
        birthday = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        region = rng.choice(self.city.regions if rng.random() < local else ELSEWHERE_REGIONS)
        person = Person(
            community_id=self.community_id, kind=PersonKind.NATURAL, name=name,
            mobile=self._mobile() if year <= LAST_DAY.year - 16 else "",
            id_number=self._id_number(region, birthday, male), created_at=self.now,
        )
        person.demo_birthday = birthday
        person.demo_male = male
        self.persons.append(person)
        return person

    def _organization_person(self, name: str, *, kind: str = PersonKind.ORGANIZATION,
                             mobile: bool = True) -> Person:
        person = Person(community_id=self.community_id, kind=kind, name=name,
                        mobile=self._mobile() if mobile else "", created_at=self.now)
        self.persons.append(person)
        return person

    def _plate(self, new_energy: bool) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.85:
                prefix = self.city.province + rng.choice(self.city.plate_letters)
            else:
                prefix = rng.choice(ELSEWHERE_PLATES)
            if new_energy:  # small new-energy cars: D (electric) / F (hybrid) first, 8 characters
                tail = (rng.choice("DF") + rng.choice(PLATE_LETTERS + "0123456789")
                        + f"{rng.randrange(10000):04d}")
            else:
                chars = [str(rng.randrange(10)) for _ in range(5)]
                if rng.random() < 0.45:
                    for pos in rng.sample(range(4), rng.randint(1, 2)):
                        chars[pos] = rng.choice(PLATE_LETTERS)
                tail = "".join(chars)
            plate = prefix + tail
            if plate not in self.plates and PLATE_RE.match(plate):
                self.plates.add(plate)
                return plate

    def _area(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)).scaleb(-2)

    # --- the community ------------------------------------------------------------
    def load(self, units: int) -> None:
        self._staff()
        blocks = math.ceil(units / BLOCK_UNITS)
        for block in range(blocks):
            size = units // blocks + (1 if block < units % blocks else 0)
            self._block(block + 1, size)
            if self.progress:
                self.progress(size)

    def _staff(self) -> None:
        rng, spec = self.rng, self.spec
        departments = [
            Department(community_id=self.community_id, kind=kind, name=kind.label,
                       phone=f"{self.city.area_code}-6{rng.randrange(10**6, 10**7)}")
            for kind in DEPARTMENTS
        ]
        Department.objects.bulk_create(departments)
        self.departments = {d.kind: d for d in departments}
        reserved = self.reserved_posts
        self.demo_staff: dict[str, tuple[Department, str, str]] = {}
        users, memberships, number = [], [], 0
        unusable = make_password(None)
        for kind, post, role, count in STAFF:
            for i in range(count):
                number += 1
                job_number = f"{spec.job_prefix}{number:03d}"
                male = rng.random() < (0.3 if kind == DepartmentKind.CLEANING else 0.6)
                name = rng.choice(SURNAMES) + self._given_name(male)
                if i == 0 and post in reserved:
                    self.demo_staff[post] = (self.departments[kind], job_number, name)
                    continue
                user = User(username=f"{spec.code}-{job_number.lower()}", display_name=name,
                            password=unusable, date_joined=self.now)
                users.append(user)
                memberships.append(Membership(
                    community_id=self.community_id, user=user, role=role,
                    department=self.departments[kind], job_number=job_number, post=post,
                    created_at=self.now))
        User.objects.bulk_create(users)
        Membership.objects.bulk_create(memberships)

    def _block(self, block: int, size: int) -> None:
        self.persons: list[Person] = []
        buildings, units = self._layout(block, size)
        bulk_insert(Building, buildings)
        bulk_insert(Unit, units)
        self._populate(units)
        for person in self.persons:
            person.refresh_indexes()  # bulk inserts skip save(), which computes them
        bulk_insert(Person, self.persons)
        bulk_insert(Ownership, self.ownerships)
        bulk_insert(Residency, self.residencies)
        bulk_insert(Vehicle, self.vehicles)
        self._log(units)

    def _log(self, units: list[Unit]) -> None:
        """The block's material facts on the community's log, in one append: each unit's
        registration, then each title registered (and ended, for the earlier owners)."""
        events = [unit_registered_event(unit) for unit in units]
        events.extend(ownership_registered_event(o, unit=o.unit, person=o.person)
                      for o in self.ownerships)
        events.extend(ownership_ended_event(o, unit=o.unit) for o in self.ownerships if o.end)
        log.record_many(self.community, events)

    def _building(self, name: str, floors: int, lift: bool) -> Building:
        building = Building(community_id=self.community_id, name=name, floors=floors,
                            has_elevator=lift, sort_key=self.next_building)
        self.next_building += 1
        return building

    def _layout(self, block: int, size: int) -> tuple[list[Building], list[Unit]]:
        """Buildings and units of one block: ~90% flats, 1% shops, the rest in the garage."""
        shop_count = size // 100
        flats_target = round(size * 0.905)
        buildings: list[Building] = []
        units: list[Unit] = []
        for storeys, lift, entrances, per_floor in BLOCK_BUILDINGS:
            storeys = min(storeys, (flats_target - len(units)) // (entrances * per_floor))
            if storeys < 3:
                break
            building = self._building(f"{self.next_building}号楼", storeys, lift)
            buildings.append(building)
            # The same layout (户型) is stacked floor over floor, mirrored in each entrance.
            areas = [self._area(*span) for span in FLAT_AREAS[per_floor]]
            # Walk-ups were handed over first, the towers in the second phase.
            delivered = self._date(self.built_on, self.built_on + dt.timedelta(days=150)) \
                if not lift else self._date(self.built_on + dt.timedelta(days=240),
                                            self.built_on + dt.timedelta(days=420))
            for entrance in range(1, entrances + 1):
                for floor in range(1, storeys + 1):
                    for position, area in enumerate(areas, start=1):
                        units.append(self._unit(building, str(entrance), f"{floor}{position:02d}",
                                                floor, area, UnitUsage.RESIDENTIAL, delivered,
                                                unsold=0.02, undelivered=0.01))
        street = buildings[:2]  # the street-side walk-ups have shops on the ground floor
        for i in range(shop_count):
            building = street[i % len(street)]
            units.append(self._unit(building, "", f"商铺{i // len(street) + 1:02d}", 1,
                                    self._area(30, 120), UnitUsage.COMMERCIAL, self.built_on,
                                    unsold=0.15))
        spaces = size - len(units)
        if spaces:
            garage = self._building("地下车库" if block == 1 else f"地下车库{block}", 0, True)
            buildings.append(garage)
            parking = round(spaces * 0.7)
            for i in range(spaces):
                if i < parking:
                    usage, number, area = UnitUsage.PARKING, f"B1-{i + 1:03d}", self._area(12, 16)
                else:
                    usage, number, area = (UnitUsage.STORAGE, f"储{i - parking + 1:03d}",
                                           self._area(5, 15))
                units.append(self._unit(garage, "", number, -1, area, usage, self.built_on,
                                        unsold=0.1))
        return buildings, units

    def _unit(self, building: Building, entrance: str, number: str, floor: int, area: Decimal,
              usage: str, delivered: dt.date, *, unsold: float, undelivered: float = 0.0) -> Unit:
        draw = self.rng.random()
        if draw < unsold:
            status, delivered_on = DeliveryStatus.UNSOLD, None
        elif draw < unsold + undelivered:
            status, delivered_on = DeliveryStatus.SOLD_UNDELIVERED, None
        else:
            status, delivered_on = DeliveryStatus.DELIVERED, delivered
        return Unit(community_id=self.community_id, building=building, entrance=entrance, number=number,
                    floor=floor, area=area, usage=usage, delivery_status=status,
                    delivered_on=delivered_on, created_at=self.now)

    # --- who owns, who lives, which cars ----------------------------------------------
    def _own(self, unit: Unit, person: Person, share: Decimal, start: dt.date,
             end: dt.date | None = None) -> None:
        self.ownerships.append(Ownership(community_id=self.community_id, unit=unit,
                                         person=person, share=share, start=start, end=end))

    def _live(self, unit: Unit, person: Person, kind: str, relation: str, moved_in: dt.date,
              moved_out: dt.date | None = None) -> None:
        self.residencies.append(Residency(community_id=self.community_id, unit=unit,
                                          person=person, kind=kind, relation=relation,
                                          moved_in=moved_in, moved_out=moved_out))

    def _populate(self, units: list[Unit]) -> None:
        """Owners, residents and cars of one block (the order of the steps fixes the data)."""
        self.ownerships: list[Ownership] = []
        self.residencies: list[Residency] = []
        self.vehicles: list[Vehicle] = []
        if self.developer is None:
            self.developer = self._organization_person(self.spec.developer,
                                                       kind=PersonKind.DEVELOPER, mobile=False)
        for unit in units:
            if unit.delivery_status == DeliveryStatus.UNSOLD:
                self._own(unit, self.developer, Decimal("1"), self.built_on)
        flats = [u for u in units if u.usage == UnitUsage.RESIDENTIAL
                 and u.delivery_status != DeliveryStatus.UNSOLD]
        delivered = [u for u in flats if u.delivery_status == DeliveryStatus.DELIVERED]
        spaces = [u for u in units if u.usage in (UnitUsage.PARKING, UnitUsage.STORAGE)
                  and u.delivery_status == DeliveryStatus.DELIVERED]
        households: list[tuple[Unit, Person, dt.date]] = []  # (home, who drives, since)
        demo_flat = demo_rented = None
        if self.want_demo and self.demo_owner is None and len(delivered) > 1:
            demo_flat = delivered[len(delivered) // 2]
            demo_rented = delivered[len(delivered) // 2 + 1]
            households.append(self._demo_household(demo_flat, spaces))
        groups = self._sell_flats([u for u in flats if u is not demo_flat], demo_rented,
                                  households)
        self._sell_spaces(spaces, groups)
        self._sell_shops([u for u in units if u.usage == UnitUsage.COMMERCIAL
                          and u.delivery_status != DeliveryStatus.UNSOLD])
        others = [g for g in groups if g[0][0] is not self.demo_owner]
        if self.want_demo and self.committee_owner is None and len(others) > 2:
            self.committee_owner, self.supervisor_owner = others[0][0][0], others[1][0][0]
        self._cars(households, target=round(len(units) / 3))  # about 400 cars to 1,200 units

    def _demo_household(self, flat: Unit, spaces: list[Unit]) -> tuple[Unit, Person, dt.date]:
        """The demo owner: co-owns his flat with his wife, owns a parking space alone, lives
        there with his son and his mother, and has a car."""
        owner = self._person((1974, 1978), male=True, local=1.0)
        wife = self._person((1975, 1980), male=False)
        since = flat.delivered_on
        self._own(flat, owner, Decimal("0.5"), since)
        self._own(flat, wife, Decimal("0.5"), since)
        if spaces:
            self._own(spaces.pop(0), owner, Decimal("1"), dt.date(2012, 5, 18))
        son = self._person((2007, 2008), male=True, surname=owner.name[0], local=1.0)
        mother = self._person((1948, 1952), male=False, local=1.0)
        self._live(flat, son, ResidentKind.FAMILY, "子女", max(since, son.demo_birthday))
        self._live(flat, mother, ResidentKind.FAMILY, "母亲", dt.date(2016, 3, 1))
        self.demo_owner = owner
        return flat, owner, since

    def _sell_flats(self, flats: list[Unit], demo_rented: Unit | None,
                    households: list) -> list[tuple[list[Person], Unit, dt.date]]:
        """Owners of the sold flats, then who lives in each: the owners' family or tenants.

        Returns the owner groups (owners, first flat, since) in the order they were drawn.
        """
        rng = self.rng
        order = list(flats)
        rng.shuffle(order)
        pool = deque(order)
        groups = []
        while pool:
            unit = pool.popleft()
            if unit.delivery_status == DeliveryStatus.SOLD_UNDELIVERED:
                buyer = self._person((1980, 1998))
                self._own(unit, buyer, Decimal("1"),
                          self._date(dt.date(2025, 1, 1), dt.date(2025, 10, 31)))
                continue
            owned = [unit]
            if rng.random() < 0.015 and pool and pool[-1].delivery_status == DeliveryStatus.DELIVERED:
                owned.append(pool.pop())  # a second flat, usually let out
            owners, shares = self._owners()
            since = unit.delivered_on
            if rng.random() < 0.3:  # bought second-hand: the first owner's title ended then
                since = self._date(since + dt.timedelta(days=800), dt.date(2025, 6, 30))
                seller = self._person((1940, 1975))
                for flat in owned:
                    self._own(flat, seller, Decimal("1"), flat.delivered_on, since)
            for flat in owned:
                for owner, share in zip(owners, shares, strict=True):
                    self._own(flat, owner, share, since)
            groups.append((owners, unit, since))
            for n, flat in enumerate(owned):
                if flat is demo_rented or rng.random() < (0.16 if n == 0 else 0.6):
                    tenant = self._tenancy(flat, since)
                    households.append((flat, tenant, since))
                    if flat is demo_rented:
                        self.demo_tenant = tenant
                elif n == 0:
                    self._family(flat, owners, since)
                    households.append((flat, owners[0], since))
        return groups

    def _sell_spaces(self, spaces: list[Unit], groups: list) -> None:
        """Parking spaces and storage rooms were bought by owners of flats; some bought both."""
        rng = self.rng
        buyers = [g for g in groups if g[2] < dt.date(2025, 1, 1)]
        bought: list[tuple[list[Person], Unit, dt.date]] = []
        for space in spaces:
            if not buyers:
                break
            group = rng.choice(bought if bought and rng.random() < 0.3 else buyers)
            bought.append(group)
            owners, _home, since = group
            start = self._date(since, dt.date(2024, 12, 31)) if rng.random() < 0.4 else since
            shares = self._shares(len(owners)) if len(owners) > 1 else [Decimal("1")]
            for owner, share in zip(owners, shares, strict=True):
                self._own(space, owner, share, start)

    def _sell_shops(self, shops: list[Unit]) -> None:
        """Shops belong to investors (people or companies); most are let to businesses."""
        rng = self.rng
        for shop in shops:
            if rng.random() < 0.25:
                investor = self._organization_person(
                    f"{self.city.name}{rng.choice(SHOP_NAMES)}投资管理有限公司", mobile=False)
            else:
                investor = self._person((1955, 1985))
            self._own(shop, investor, Decimal("1"), shop.delivered_on)
            if rng.random() < 0.7:
                business = self._organization_person(rng.choice(SHOP_NAMES) + rng.choice(SHOP_TRADES))
                self._live(shop, business, ResidentKind.TENANT, "承租商户",
                           self._date(dt.date(2015, 1, 1), dt.date(2025, 9, 30)))

    def _cars(self, households: list[tuple[Unit, Person, dt.date]], *, target: int) -> None:
        """``target`` cars: one in most chosen households, a second car in some."""
        rng = self.rng
        if not households:
            return
        first = households[:1] if households[0][1] is self.demo_owner else []
        rest = households[len(first):]
        distinct = max(0, min(len(rest), round(target * 0.92) - len(first)))
        chosen = first + rng.sample(rest, distinct)
        while chosen and len(chosen) < target:
            chosen.append(rng.choice(chosen))
        for home, person, since in chosen:
            self.vehicles.append(self._vehicle(home, person, since))

    def _shares(self, count: int) -> list[Decimal]:
        if count == 2:
            return [Decimal("0.5"), Decimal("0.5")] if self.rng.random() < 0.85 \
                else [Decimal("0.6"), Decimal("0.4")]
        return [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]

    def _owners(self) -> tuple[list[Person], list[Decimal]]:
        """The owners of a flat: one person, or (one in nine) a couple or a family sharing it."""
        rng = self.rng
        first = self._person((1945, 1992), male=rng.random() < 0.55)
        if rng.random() >= 0.11:
            return [first], [Decimal("1")]
        born = first.demo_birthday.year
        spouse = self._person((born - 3, born + 3), male=not first.demo_male)
        if rng.random() < 0.9 or born > 1972:  # a grown-up child may share the parents' title
            return [first, spouse], self._shares(2)
        surname = first.name[0] if first.demo_male else spouse.name[0]
        child = self._person((born + 25, min(born + 35, 2000)), surname=surname)
        return [first, spouse, child], self._shares(3)

    def _family(self, flat: Unit, owners: list[Person], since: dt.date) -> None:
        """Family members registered in an owner-occupied flat (about two households in three)."""
        rng = self.rng
        if rng.random() >= 0.65:
            return
        head = owners[0]
        born = head.demo_birthday.year
        father_surname = head.name[0]
        if len(owners) == 1 and rng.random() < 0.75:
            spouse = self._person((born - 3, born + 3), male=not head.demo_male)
            self._live(flat, spouse, ResidentKind.FAMILY, "配偶", since)
            if not head.demo_male:
                father_surname = spouse.name[0]
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2))):
            if born + 24 > 2022:
                break
            child = self._person((born + 24, min(born + 38, 2022)), surname=father_surname,
                                 local=1.0)
            self._live(flat, child, ResidentKind.FAMILY, "子女", max(since, child.demo_birthday))
        if rng.random() < 0.15 and born - 24 >= 1925:
            male = rng.random() < 0.4
            parent = self._person((max(1925, born - 34), born - 24), male=male,
                                  surname=head.name[0] if male else "")
            self._live(flat, parent, ResidentKind.FAMILY, "父亲" if male else "母亲",
                 self._date(since, dt.date(2024, 12, 31)))

    def _tenancy(self, flat: Unit, since: dt.date) -> Person:
        """A tenant household; sometimes an earlier tenant who has moved out."""
        rng = self.rng
        moved_in = self._date(max(since + dt.timedelta(days=90), dt.date(2016, 1, 1)),
                              dt.date(2025, 9, 30))
        if rng.random() < 0.3:
            earlier_in = self._date(max(since, dt.date(2010, 1, 1)), moved_in - dt.timedelta(days=400))
            if earlier_in < moved_in - dt.timedelta(days=120):
                earlier = self._person((1970, 1998), local=0.3)
                self._live(flat, earlier, ResidentKind.TENANT, "租户", earlier_in,
                     moved_in - dt.timedelta(days=rng.randint(7, 60)))
        tenant = self._person((1970, 2000), local=0.3)
        self._live(flat, tenant, ResidentKind.TENANT, "租户", moved_in)
        if rng.random() < 0.5:
            born = tenant.demo_birthday.year
            partner = self._person((born - 3, born + 3), male=not tenant.demo_male, local=0.3)
            self._live(flat, partner, ResidentKind.TENANT, "租户家属", moved_in)
            if rng.random() < 0.4 and born + 24 <= 2022:
                surname = tenant.name[0] if tenant.demo_male else partner.name[0]
                child = self._person((born + 24, min(born + 36, 2022)), surname=surname, local=0.3)
                self._live(flat, child, ResidentKind.TENANT, "租户家属", max(moved_in, child.demo_birthday))
        return tenant

    def _vehicle(self, home: Unit, person: Person, since: dt.date) -> Vehicle:
        rng = self.rng
        new_energy = rng.random() < 0.1
        plate = self._plate(new_energy)
        brand = rng.choice(NEV_BRANDS if new_energy else CAR_BRANDS)
        day = self._date(max(since, dt.date(2016, 1, 1)), dt.date(2025, 11, 30))
        registered = dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randrange(60)),
                                         tzinfo=TZ)
        return Vehicle(community_id=self.community_id, plate=plate, kind=vehicle_kind_of(plate),
                       person=person, unit=home, brand=f"{brand} {rng.choice(COLOURS)}色",
                       registered_at=registered)
