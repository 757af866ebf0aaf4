"""Known sha256 sums of code-server's official release tarballs.

``code-server-<version>-linux-<arch>.tar.gz`` as published on
https://github.com/coder/code-server/releases. coder publishes no checksum file, so these come
from conda-forge's code-server feedstock (https://github.com/conda-forge/code-server-feedstock),
whose recipe (``recipe/meta.yaml``, later ``recipe/recipe.yaml``) downloads exactly these
tarballs and pins their sha256; each entry was read from that recipe's history (its CI builds
from the tarball, so a wrong sum would have failed there). Listed: the two glibc caps and the
releases that are also on the npm registry (which is where the installer learns the newest
version).

To add a release: take the sum from that recipe's history, or download the tarball over a
trusted connection and run ``sha256sum`` on it, then add ``(version, arch): sha256``. A version
not listed here is installed unchecked unless ``--sha256`` is given.
"""

from __future__ import annotations

RELEASE_SHA256: dict[tuple[str, str], str] = {
    ("4.16.1", "amd64"): "e10bc642be9fe8a802f556737b1bbb910ef818979a35034b092c85e62a42d1a7",
    ("4.16.1", "arm64"): "a256429887531d855baaa6b14b25906f69fa4b4a977b1ae0def001016fb37b81",
    ("4.108.1", "amd64"): "5a191adde4d34d403d180bf29f13424b34961e80d31411b2112a18102f3b55f3",
    ("4.108.1", "arm64"): "92069dbb2ed99a204fca65d3ebbec893287147e46906cd8605b14fb92b450072",
    ("4.108.2", "amd64"): "0ef733848473519c77b16085ea9f3477374db162b24f6b12edf820b3e9478fa8",
    ("4.108.2", "arm64"): "6c6af6ac14a31609677a3f54cf2a1ee065128ff76b4d5bf8f4b3d7843bf978da",
    ("4.110.0", "amd64"): "fa0698f37b51e1e3b22c511d54685bc698a0f5d8b7d4baa8b60de012faeba343",
    ("4.110.0", "arm64"): "750758e22164619ad0e33af63135ce4927c1b5a4cbafbce16ce9edde22557519",
    ("4.112.0", "amd64"): "86a2cb89038846c2ae6ca1945a56eaad473b23f145727f9d923f6d174b436f2c",
    ("4.112.0", "arm64"): "9b58b51f3d223a4f4b27d75550dd385c638aeee017342436cdc027ab6cd3a5d9",
    ("4.113.0", "amd64"): "63a7955f40fbb1902bd9fa162ee32847dc0c67919ace16d14fbd5af340cd7267",
    ("4.113.0", "arm64"): "e069eb95b30c4f27cac080962f757e69dc309740d8e412441bb9740cc0238ceb",
    ("4.113.1", "amd64"): "f8325654035ee3ea03b026be0304eaa2f9f35d0a1703d4c12698bd7a152d429f",
    ("4.113.1", "arm64"): "959ee1898d03c71a7ae888edfb63f090227033924b1ba108465103df4bc47fdc",
    ("4.114.0", "amd64"): "97e4e828e2252ec261b6cb427eb6f1cd16196aea4ca346d6d2d1a34c9c246d86",
    ("4.114.0", "arm64"): "ea917040a25881503ad314700b946f76b3bce9110c350b1f1cbbba6b8433ad47",
    ("4.114.1", "amd64"): "21145c7a89354ddd14bf8d493996cd2f81ef93431a9590f9beed56b62325a1f6",
    ("4.114.1", "arm64"): "495eb156169af499fe8698c066eff0c6413096fecf95d8f9c77820e5ece51320",
    ("4.115.0", "amd64"): "2d43f4023fe425ecf41806e57cbbc64ce7d3be50cfd76690dc45f52375a836ed",
    ("4.115.0", "arm64"): "8848f99c25172fe9128ef77ac1937387be932bc20d0eab7d067e9018684d4074",
    ("4.116.0", "amd64"): "24fddcb6b276c8d8fd199ec541e93a93e27695703b5082aeaf9dca4e22c1acc8",
    ("4.116.0", "arm64"): "7621fd442037cf70ecf55f00f77b961d0ff91058a1d02910628bbe9d2089e401",
    ("4.117.0", "amd64"): "5616650cc65a82046eb7ab24b794da6632a3292d07df06908800d75544962391",
    ("4.117.0", "arm64"): "70d376cd554403f45311de207f828f58ddd91f23df73afaf0eaa7e50987936a6",
    ("4.133.0", "amd64"): "a4e0f8f8c76e7de8e7424289f74e507af4c97bfe104c3e8ee272b8cc7b46c6f1",
    ("4.133.0", "arm64"): "d999d8b0256e5537f3b62e6c09f624220026e19107a04a876c0cef62d1c71147",
}


def known_sha256(version: str, arch: str) -> str | None:
    return RELEASE_SHA256.get((version, arch))
